"""Validating access tokens we issued (RFC 9068 §4, RFC 8725 §3, RFC 6750 §3.1).

One validator serves userinfo and the internal ValidateToken RPC. With no database
read: the header is checked before any cryptography (RS256 only, `typ` at+jwt, `kid`
from our own key set, never a key the token brings along), then the signature, the
registered claims, the required scopes, the deny-list (revoked jtis, deleted clients)
and the session behind it, then how the token was presented (RFC 9449 §7: a DPoP-bound
token needs the DPoP scheme and a proof of its key for this request; ..dpop). Every
failure is `invalid_token` (a bad proof `invalid_dpop_proof`) with a short description
that never echoes input.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from authgate_common.core import jws
from authgate_common.core.errors import InsufficientScope, InvalidToken

from ..dpop import BEARER, CHALLENGE, DPoP, Presentation, bound_jkt
from ..keys.key_ring import KeySource
from ..ports import SessionLiveness
from ..revocation.grant_ledger import GrantLedger

NO_PROOF = Presentation()  # Bearer, no DPoP header
VERIFIED_CACHE_SIZE = 4096  # tokens (each under jws.MAX_COMPACT_CHARS): a few MB at most
ACCEPTED_TYP = ("at+jwt", "application/at+jwt")
STRING_CLAIMS = ("iss", "sub", "jti", "client_id")
# What each refusal of core.jws tells the caller (never the input itself).
REFUSALS = {
    jws.MISSING: "The access token is missing.",
    jws.TOO_LARGE: "The access token is too large.",
    jws.MALFORMED: "The access token is malformed.",
    jws.ALG: "The access token uses an unaccepted algorithm.",
    jws.TYP: "The token is not an access token.",
    jws.HEADER: "The access token carries a refused header parameter.",
    jws.KID: "The access token was not signed by a known key.",
}


def _invalid(refused: jws.Refused) -> InvalidToken:
    if refused.reason == jws.SIGNATURE:
        return InvalidToken("The access token is invalid.", detail=refused.detail)
    return InvalidToken(REFUSALS.get(refused.reason, "The access token is invalid."))


class TokenValidator:
    def __init__(self, keys: KeySource, issuer: str, ledger: GrantLedger, sessions: SessionLiveness,
                 clock_skew: int = 30, clock: Callable[[], float] = time.time,
                 dpop: DPoP | None = None) -> None:
        self._keys = keys
        # Checks a bound token's proof (None: every bound token, and the DPoP scheme, is refused).
        self._dpop = dpop
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
        self._verified: dict[str, tuple[str, Any, dict[str, Any]]] = {}
        self._verified_lock = threading.Lock()

    def validate(self, token: str, required_scopes: Sequence[str] = (), audience: str | None = None,
                 presented: Presentation | None = None) -> dict[str, Any]:
        """The claims of a valid token presented as `presented` says (None: as a Bearer token
        with no DPoP proof, so a DPoP-bound token is refused)."""
        claims = self.live_claims(token, audience)
        presentation = presented or NO_PROOF
        if self._dpop is not None:
            self._dpop.at_resource(token, claims, presentation)
        elif bound_jkt(claims) or presentation.scheme.lower() != BEARER.lower():
            raise InvalidToken("DPoP-bound tokens are not accepted here.", metadata=dict(CHALLENGE))
        granted = set(str(claims.get("scope", "")).split())
        required = [s for s in required_scopes if s]
        missing = [s for s in required if s not in granted]
        if missing:
            raise InsufficientScope(metadata={"scope": " ".join(required)})
        return claims

    def live_claims(self, token: str, audience: str | None = None) -> dict[str, Any]:
        """The claims of a token we signed that is live (unexpired, unrevoked, its session
        on), however it is presented: introspection describes a DPoP-bound token to a
        resource server (`cnf`, RFC 9449 §6.2) without seeing its proof."""
        claims = self._check_claims(self.signed_claims(token))
        if audience:
            aud = claims.get("aud")
            auds = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
            if audience not in auds:
                raise InvalidToken("The access token is not meant for this audience.")
        # The jti, or every token its client held when the client was deleted.
        if self._ledger.is_revoked(claims["jti"], claims["client_id"], claims["iat"]):
            raise InvalidToken("The access token has been revoked.")
        sid = claims.get("sid")
        if sid and not self._sessions.is_alive(str(sid)):
            raise InvalidToken("The session behind the access token has ended.")
        return claims

    def signed_claims(self, token: str) -> dict[str, Any]:
        """The payload of a token we signed, checking header and signature only: revocation
        (RFC 7009) accepts our expired or otherwise invalid tokens too."""
        keys = self._keys.current()
        known = self._verified.get(token)
        # The header is part of the token string: a remembered token passed its checks.
        if known is not None and keys.public_key(known[0]) is known[1]:
            return dict(known[2])
        try:
            header = jws.unverified_header(token)
            jws.check_header(header, typ=ACCEPTED_TYP)
            key = jws.our_key(header, keys.public_key)
            # One parse of the token; the claim rules below are ours, so nothing is checked
            # twice on this hot path.
            claims = jws.verify(token, key)
        except jws.Refused as refused:
            raise _invalid(refused) from refused
        self._remember(token, header["kid"], key, claims)
        return claims

    def _remember(self, token: str, kid: str, key: Any, claims: dict[str, Any]) -> None:
        with self._verified_lock:
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                del self._verified[next(iter(self._verified))]  # the oldest
            self._verified[token] = (kid, key, dict(claims))

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
