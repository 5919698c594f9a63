"""Signing logout tokens (OIDC Back-Channel Logout 1.0 §2.4).

A logout token is a JWT signed like our ID tokens (RS256, current key, `kid`), typed
`logout+jwt` so it cannot pass for an ID or access token (§4.1, RFC 8725 §3.11). Claims:
iss, aud (the client being told), iat, exp (short: it is delivered at once, and every
retry gets a fresh one), jti, sub and sid (at least one), and the back-channel logout
event; never `nonce`, whose absence keeps it from being replayed as an ID token.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from authgate_common.core import jws
from authgate_common.core.errors import InvalidRequest

from ..keys.key_ring import KeySource

BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_TYP = "logout+jwt"
LOGOUT_TOKEN_TTL_SECONDS = 120
MAX_VALUE_LENGTH = 256


@dataclass(frozen=True)
class LogoutToken:
    token: str
    claims: dict[str, Any]


class LogoutTokens:
    def __init__(
        self,
        keys: KeySource,
        issuer: str,
        ttl_seconds: int = LOGOUT_TOKEN_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._keys = keys
        self._issuer = issuer.rstrip("/")
        self._ttl = ttl_seconds
        self._clock = clock

    def sign(self, client_id: str, sub: str, sid: str) -> LogoutToken:
        if not client_id or any(len(v) > MAX_VALUE_LENGTH for v in (client_id, sub, sid)):
            raise InvalidRequest("client_id is required; client_id, sub and sid are at most 256 characters.")
        if not sub and not sid:
            raise InvalidRequest("A logout token names the user (sub), the session (sid) or both.")
        now = int(self._clock())
        claims: dict[str, Any] = {
            "iss": self._issuer,
            "aud": client_id,
            "iat": now,
            "exp": now + self._ttl,
            "jti": secrets.token_urlsafe(16),
            "events": {BACKCHANNEL_LOGOUT_EVENT: {}},
        }
        if sub:
            claims["sub"] = sub
        if sid:
            claims["sid"] = sid
        keys = self._keys.current()  # one snapshot: the kid and the key always match
        return LogoutToken(jws.sign(claims, keys.signing_key, keys.current_kid, LOGOUT_TOKEN_TYP), claims)
