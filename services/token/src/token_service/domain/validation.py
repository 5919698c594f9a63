"""Validating access tokens we issued (RFC 9068 §4, RFC 8725 §3, RFC 6750 §3.1).

One validator serves userinfo and the internal ValidateToken RPC. With no database
read: the header is checked before any cryptography (RS256 only, `typ` at+jwt, `kid`
from our own key set, never a key the token brings along), then the signature, the
registered claims, the required scopes, the jti deny-list and the session behind it.
Every failure is `invalid_token` with a short description that never echoes input.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from authgate_common.errors import InsufficientScope, InvalidToken
from jose import jws
from jose.exceptions import JOSEError

from .grant_ledger import GrantLedger
from .key_ring import KeySource
from .keys import ALGORITHM
from .ports import SessionLiveness

MAX_TOKEN_BYTES = 8192
VERIFIED_CACHE_SIZE = 4096  # tokens (each under MAX_TOKEN_BYTES): a few MB at most
ACCEPTED_TYP = ("at+jwt", "application/at+jwt")
# Header parameters that would let a token choose its own key or extend the rules.
REFUSED_HEADERS = ("jku", "x5u", "jwk", "x5c", "crit")
STRING_CLAIMS = ("iss", "sub", "jti", "client_id")


def unverified_header(token: str) -> dict[str, Any]:
    if not isinstance(token, str) or not token:
        raise InvalidToken("The access token is missing.")
    if len(token) > MAX_TOKEN_BYTES:
        raise InvalidToken("The access token is too large.")
    if token.count(".") != 2:
        raise InvalidToken("The access token is malformed.")
    segment = token.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, binascii.Error) as exc:
        raise InvalidToken("The access token is malformed.") from exc
    if not isinstance(header, dict):
        raise InvalidToken("The access token is malformed.")
    return header


class TokenValidator:
    def __init__(self, keys: KeySource, issuer: str, ledger: GrantLedger, sessions: SessionLiveness,
                 clock_skew: int = 30, clock: Callable[[], float] = time.time) -> None:
        self._keys = keys
        self._issuer = issuer.rstrip("/")
        self._ledger = ledger
        self._sessions = sessions
        self._skew = clock_skew
        self._clock = clock
        # Tokens whose signature verified, with the key object that verified them: a client
        # presents the same token many times in its life, and the RSA verification is the
        # costliest step left (~45 µs). Only the signature is remembered — expiry, the
        # deny-list and the session are checked on every call — and an entry counts only
        # while the key set still holds that very key for the token's kid (a retired or
        # reloaded key means verifying again). Keyed by the whole token: one changed byte
        # is a different token.
        self._verified: dict[str, tuple[Any, dict[str, Any]]] = {}
        self._verified_lock = threading.Lock()

    def validate(self, token: str, required_scopes: Sequence[str] = (),
                 audience: str | None = None) -> dict[str, Any]:
        claims = self._check_claims(self.signed_claims(token))
        if audience:
            aud = claims.get("aud")
            auds = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
            if audience not in auds:
                raise InvalidToken("The access token is not meant for this audience.")
        if self._ledger.is_revoked(claims["jti"]):
            raise InvalidToken("The access token has been revoked.")
        sid = claims.get("sid")
        if sid and not self._sessions.is_alive(str(sid)):
            raise InvalidToken("The session behind the access token has ended.")
        granted = set(str(claims.get("scope", "")).split())
        required = [s for s in required_scopes if s]
        missing = [s for s in required if s not in granted]
        if missing:
            raise InsufficientScope(metadata={"scope": " ".join(required)})
        return claims

    def signed_claims(self, token: str) -> dict[str, Any]:
        """The payload of a token we signed, checking header and signature only: revocation
        (RFC 7009) accepts our expired or otherwise invalid tokens too."""
        header = unverified_header(token)
        if header.get("alg") != ALGORITHM:
            raise InvalidToken("The access token uses an unaccepted algorithm.")
        typ = header.get("typ")
        if not isinstance(typ, str) or typ.lower() not in ACCEPTED_TYP:
            raise InvalidToken("The token is not an access token.")
        if any(name in header for name in REFUSED_HEADERS):
            raise InvalidToken("The access token carries a refused header parameter.")
        kid = header.get("kid")
        key = self._keys.current().public_key(kid) if isinstance(kid, str) else None
        if key is None:
            raise InvalidToken("The access token was not signed by a known key.")
        known = self._verified.get(token)
        if known is not None and known[0] is key:
            return dict(known[1])
        try:
            # jws.verify parses the token once; the claim rules below are ours, so nothing
            # is checked twice on this hot path.
            payload = jws.verify(token, key, algorithms=[ALGORITHM])
            claims = json.loads(payload)
        except (JOSEError, ValueError, TypeError) as exc:
            raise InvalidToken("The access token is invalid.", detail=type(exc).__name__) from exc
        if not isinstance(claims, dict):
            raise InvalidToken("The access token is invalid.")
        self._remember(token, key, claims)
        return claims

    def _remember(self, token: str, key: Any, claims: dict[str, Any]) -> None:
        with self._verified_lock:
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                del self._verified[next(iter(self._verified))]  # the oldest
            self._verified[token] = (key, dict(claims))

    def _check_claims(self, claims: dict[str, Any]) -> dict[str, Any]:
        now = self._clock()
        if any(not isinstance(claims.get(c), str) or not claims[c] for c in STRING_CLAIMS):
            raise InvalidToken("The access token lacks a required claim.")
        if claims["iss"] != self._issuer:
            raise InvalidToken("The access token was issued by someone else.")
        exp: Any = claims.get("exp")
        iat: Any = claims.get("iat")
        nbf: Any = claims.get("nbf", 0)
        if not all(isinstance(t, int | float) and not isinstance(t, bool) for t in (exp, iat, nbf)):
            raise InvalidToken("The access token is invalid.")
        if exp + self._skew <= now:
            raise InvalidToken("The access token has expired.")
        if iat - self._skew > now or nbf - self._skew > now:
            raise InvalidToken("The access token is not valid yet.")
        if not isinstance(claims.get("scope", ""), str):
            raise InvalidToken("The access token is invalid.")
        return claims
