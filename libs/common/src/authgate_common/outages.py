"""A store that cannot answer is an outage, not a bug: `temporarily_unavailable` (503 over
HTTP, UNAVAILABLE over gRPC, both asking the caller to retry) instead of `server_error`.

Only errors that say the database or Redis could not be reached or did not answer in
time count: a refused or dropped connection, a pool with no connection to give, a
timeout. A wrong query stays a 500.
"""

from __future__ import annotations

import psycopg
import redis
from sqlalchemy import exc as sa_exc

from .core.errors import TemporarilyUnavailable

STORE_OUTAGES: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError,  # connection refused or lost, server shutting down, deadlock
    sa_exc.InterfaceError,  # a connection already closed
    sa_exc.TimeoutError,  # the pool had no connection to give within pool_timeout
    psycopg.OperationalError,
    psycopg.InterfaceError,
    redis.ConnectionError,
    redis.TimeoutError,
)


def as_outage(exc: BaseException) -> TemporarilyUnavailable | None:
    """The 503 an exception stands for, or None when it is not a store outage."""
    if isinstance(exc, STORE_OUTAGES):
        return TemporarilyUnavailable(detail=f"store unavailable: {type(exc).__name__}")
    return None
