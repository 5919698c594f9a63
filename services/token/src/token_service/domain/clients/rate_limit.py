"""Per-client request limit of /token, /introspect and /revoke, shared across replicas.

A fixed window counted in the key-value store (one INCR + EXPIRE round trip), so every
token-service replica draws on the same budget. Only requests whose client has
authenticated are counted: a caller guessing secrets under someone else's client_id
cannot spend that client's budget (the gateway's per-address limit meets guessing).
Past the limit the answer is 429 `temporarily_unavailable` with `Retry-After`, the
seconds until the window frees (RFC 6585 §4).

The limit is a throttle, not a security decision: when the store cannot count, the
request goes through rather than turning a Redis outage into a token outage.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

from authgate_common.core.errors import RETRY_AFTER_KEY, TemporarilyUnavailable, TooManyRequests
from authgate_common.core.kv import KeyValueStore

from ..ports import Client, ClientAuthenticator

log = logging.getLogger(__name__)


TOO_MANY = "too many requests for this client"


class ClientRateLimit:
    def __init__(
        self, store: KeyValueStore, limit: int, window_seconds: int, clock: Callable[[], float] = time.time
    ) -> None:
        self._store = store
        self._limit = limit
        self._window = window_seconds
        self._clock = clock

    def hit(self, client_id: str) -> None:
        """Count one request of `client_id`; raises TooManyRequests past the limit."""
        now = self._clock()
        index = int(now // self._window)
        # Two keys per client, alternating by window: each expires within one window of
        # its first use, so it is gone before its turn comes again, and even the
        # in-process store (which drops keys only when read) holds at most two.
        key = f"ratelimit:client:{client_id}:{index % 2}"
        try:
            count = self._store.incr(key, self._window)
        except TemporarilyUnavailable:
            log.warning("client rate limit skipped: the key-value store is unavailable")
            return
        if count > self._limit:
            retry_after = max(1, math.ceil((index + 1) * self._window - now))
            raise TooManyRequests(
                TOO_MANY,
                metadata={RETRY_AFTER_KEY: str(retry_after)},
                detail=f"client {client_id}: {count} requests in the window",
            )


class RateLimitedClients:
    """Client authentication with every success counted."""

    def __init__(self, inner: ClientAuthenticator, limit: ClientRateLimit) -> None:
        self._inner = inner
        self._limit = limit

    def authenticate_client(
        self,
        client_id: str,
        client_secret: str,
        *,
        client_assertion_type: str = "",
        client_assertion: str = "",
    ) -> Client:
        client = self._inner.authenticate_client(
            client_id,
            client_secret,
            client_assertion_type=client_assertion_type,
            client_assertion=client_assertion,
        )
        self._limit.hit(client.client_id)
        return client
