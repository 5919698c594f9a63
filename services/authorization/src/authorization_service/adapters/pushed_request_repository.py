"""Pushed authorization requests in SQL (RFC 9126 §2.2), taken once with DELETE … RETURNING:
two /authorize requests racing on one request_uri both run it, exactly one gets the row.
Each statement is its own short transaction (the store needs no unit of work)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, bindparam, delete, insert

from ..domain.par.store import PushedRequest
from .tables import pushed_authorization_requests as pushed

_ADD = insert(pushed)
_PRUNE = delete(pushed).where(pushed.c.expires_at <= bindparam("now"))
_TAKE = delete(pushed).where(pushed.c.reference_hash == bindparam("hash")).returning(*pushed.c)


class SqlPushedRequests:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, request: PushedRequest, now: datetime) -> None:
        with self._engine.begin() as conn:
            conn.execute(_PRUNE, {"now": now})
            conn.execute(_ADD, {"reference_hash": request.reference_hash, "client_id": request.client_id,
                                "params": [list(p) for p in request.pairs], "expires_at": request.expires_at})

    def take(self, reference_hash: str) -> PushedRequest | None:
        with self._engine.begin() as conn:
            row = conn.execute(_TAKE, {"hash": reference_hash}).mappings().first()
        if row is None:
            return None
        return PushedRequest(row["reference_hash"], row["client_id"],
                             tuple((str(p[0]), str(p[1])) for p in row["params"]), row["expires_at"])
