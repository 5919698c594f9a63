"""Verifying an `id_token_hint` (OIDC RP-Initiated Logout 1.0 §2, §4).

The hint must be an ID token we signed: RS256 with a `kid` from our own key set (never
a key the token names), `iss` our issuer, and not an access or logout token (their
`typ` says so). Its expiry is not checked: an RP logging a user out often holds only
an expired ID token, and the hint merely says which client and session are meant.
Every failure is `invalid_request` with a description that never echoes the input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from authgate_common.core import jws
from authgate_common.core.errors import InvalidRequest

from ..keys.key_ring import KeySource

# What our ID tokens carry (minting.py); a token typed otherwise is not an ID token.
ID_TOKEN_TYP = ("jwt",)
# The log detail of each refusal of core.jws.
_DETAILS = {jws.MISSING: "malformed", jws.TOO_LARGE: "malformed", jws.MALFORMED: "malformed",
            jws.ALG: "unaccepted algorithm", jws.TYP: "not an ID token (typ)",
            jws.HEADER: "refused header parameter", jws.KID: "unknown kid"}


@dataclass(frozen=True)
class IdTokenHint:
    sub: str
    sid: str
    aud: tuple[str, ...]
    azp: str
    iat: int
    exp: int


def _invalid(detail: str) -> InvalidRequest:
    return InvalidRequest("The id_token_hint is not a valid ID token from this issuer.", detail=detail)


def _audiences(value: Any) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    if not values or not all(isinstance(v, str) and v for v in values):
        raise _invalid("aud missing or malformed")
    return tuple(values)


def _number(claims: dict[str, Any], name: str) -> int:
    value = claims.get(name)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise _invalid(f"{name} missing or malformed")
    return int(value)


class IdTokenHints:
    def __init__(self, keys: KeySource, issuer: str) -> None:
        self._keys = keys
        self._issuer = issuer.rstrip("/")

    def verify(self, token: str) -> IdTokenHint:
        claims = self._signed_claims(token)
        if claims.get("iss") != self._issuer:
            raise _invalid("issued by someone else")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub:
            raise _invalid("sub missing")
        sid, azp = claims.get("sid", ""), claims.get("azp", "")
        if not isinstance(sid, str) or not isinstance(azp, str):
            raise _invalid("sid or azp malformed")
        return IdTokenHint(
            sub=sub,
            sid=sid,
            aud=_audiences(claims.get("aud")),
            azp=azp,
            iat=_number(claims, "iat"),
            exp=_number(claims, "exp"),
        )

    def _signed_claims(self, token: str) -> dict[str, Any]:
        try:
            header = jws.unverified_header(token)
            jws.check_header(header, typ=ID_TOKEN_TYP, default_typ="JWT")
            return jws.verify(token, jws.our_key(header, self._keys.current().public_key))
        except jws.Refused as refused:
            raise _invalid(_DETAILS.get(refused.reason, refused.detail)) from refused
