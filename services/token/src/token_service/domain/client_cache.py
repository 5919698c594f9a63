"""A short memory of successful client authentications, per replica.

Authenticating a client asks the authorization service over gRPC, which reads the
client from its database and compares a keyed hash of the secret: on the hot
endpoints (client_credentials, introspection, revocation) that round trip costs more
than minting the token. A confidential client presents the same secret on every call,
so a success is remembered for `ttl` seconds under (client_id, HMAC of the secret with
a per-process random key): the secret itself is never kept, and a different secret is
a different entry, so it is checked by the authorization service like any other.

Failures are never remembered (each wrong guess still reaches the authorization
service and its limits). What is remembered can outlive a change for at most `ttl`
seconds: deleting a client or changing its secret stops it on every replica within
that time (CLIENT_AUTH_CACHE_SECONDS; 0 turns the cache off). Calls that carry more
than an id and a secret (a signed client assertion, whose `jti` is single-use) always
go through.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from typing import Any

from .ports import AuthorizationPort, Client


class CachingClientAuthentication:
    """An AuthorizationPort that remembers successful secret-based authentications."""

    def __init__(self, inner: AuthorizationPort, ttl_seconds: float, max_entries: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._inner = inner
        self._ttl = ttl_seconds
        self._max = max_entries
        self._clock = clock
        self._key = secrets.token_bytes(32)
        self._entries: dict[tuple[str, bytes], tuple[float, Client]] = {}

    def authenticate_client(self, client_id: str, client_secret: str, *args: Any, **kwargs: Any) -> Client:
        if self._ttl <= 0 or args or any(v for v in kwargs.values()):
            return self._inner.authenticate_client(client_id, client_secret, *args, **kwargs)
        key = (client_id, hmac.new(self._key, client_secret.encode(), hashlib.sha256).digest())
        now = self._clock()
        hit = self._entries.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        client = self._inner.authenticate_client(client_id, client_secret, *args, **kwargs)
        if len(self._entries) >= self._max:
            self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
            if len(self._entries) >= self._max:
                self._entries = {}
        self._entries[key] = (now + self._ttl, client)
        return client

    def __getattr__(self, name: str) -> Any:
        # Everything else (redeem_code, …) goes straight to the authorization service.
        return getattr(self._inner, name)
