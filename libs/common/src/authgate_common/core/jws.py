"""Every JWS authgate signs or verifies (RFC 7515 compact serialisation; RFC 8725).

Our own tokens — access tokens (RFC 9068), ID tokens, logout tokens — are RS256 only,
signed with the current key and its `kid`, and verified with the key our key set holds
for the header's `kid`, never a key the token brings along (`jku`, `x5u`, `jwk`, `x5c`)
and never with extensions we do not understand (`crit`). The header is checked before
any cryptography, in one order: shape, `alg`, `typ`, refused parameters, `kid`. Client
assertions (private_key_jwt, RFC 7523) use the same shape and header rules with the
client's algorithms and keys. The callers keep only their claim rules, and turn a
`Refused` into their own error (its `reason` says which rule, `detail` is for the log).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Collection, Mapping
from typing import Any

from jose import jws
from jose.exceptions import JOSEError

ALGORITHM = "RS256"
MAX_COMPACT_CHARS = 8192
# Header parameters that would let a token choose its own key or extend the rules.
REFUSED_HEADERS = ("jku", "x5u", "jwk", "x5c", "crit")

# Refused.reason values, in the order the checks run.
MISSING, TOO_LARGE, MALFORMED = "missing", "too_large", "malformed"
ALG, TYP, HEADER, KID = "alg", "typ", "header", "kid"
SIGNATURE, PAYLOAD = "signature", "payload"


class Refused(Exception):
    """A JWS that was not accepted: which rule (`reason`) and a log-only `detail`."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason, detail)
        self.reason = reason
        self.detail = detail or reason


def b64url_encode(raw: bytes) -> str:
    """Unpadded base64url (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(value: str) -> bytes:
    """Unpadded base64url (RFC 7515 §2); anything else raises ValueError."""
    if not isinstance(value, str) or "=" in value:
        raise ValueError("not unpadded base64url")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc


def split_compact(token: str, max_chars: int = MAX_COMPACT_CHARS) -> tuple[str, str, str]:
    """The three segments of a compact JWS of at most `max_chars` characters."""
    parts = token.split(".") if len(token) <= max_chars else []
    if len(parts) != 3:
        raise Refused(MALFORMED, "not a compact JWS")
    return parts[0], parts[1], parts[2]


def json_segment(segment: str) -> dict[str, Any]:
    """A header or payload segment: unpadded base64url of a JSON object."""
    try:
        value = json.loads(b64url_decode(segment))
    except (ValueError, RecursionError) as exc:
        raise Refused(MALFORMED, "a segment is not base64url JSON") from exc
    if not isinstance(value, dict):
        raise Refused(MALFORMED, "a segment is not a JSON object")
    return value


def unverified_header(token: str, max_chars: int = MAX_COMPACT_CHARS) -> dict[str, Any]:
    """The header of one of our tokens, read before anything is verified."""
    if not isinstance(token, str) or not token:
        raise Refused(MISSING)
    if len(token) > max_chars:
        raise Refused(TOO_LARGE)
    if token.count(".") != 2:
        raise Refused(MALFORMED)
    segment = token.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, binascii.Error) as exc:
        raise Refused(MALFORMED) from exc
    if not isinstance(header, dict):
        raise Refused(MALFORMED)
    return header


def check_header(header: Mapping[str, Any], *, typ: Collection[str] | None,
                 default_typ: str | None = None, algorithms: Collection[str] = (ALGORITHM,),
                 refused: Collection[str] = REFUSED_HEADERS) -> str:
    """`alg` from `algorithms` (RS256 alone for our tokens), `typ` (lower-cased, absent
    meaning `default_typ`) from `typ` unless None, no `refused` parameter; returns the alg."""
    alg = header.get("alg")
    if alg not in algorithms:
        raise Refused(ALG, f"alg {str(alg)[:20]!r} is not allowed")
    if typ is not None:
        value = header.get("typ", default_typ)
        if not isinstance(value, str) or value.lower() not in typ:
            raise Refused(TYP)
    present = [name for name in refused if name in header]
    if present:
        raise Refused(HEADER, f"{present[0]} header")
    return str(alg)


def our_key(header: Mapping[str, Any], public_key: Callable[[str], Any | None]) -> Any:
    """The key of our key set named by the header's `kid` (`public_key(kid)`, None if unknown)."""
    kid = header.get("kid")
    key = public_key(kid) if isinstance(kid, str) else None
    if key is None:
        raise Refused(KID, "unknown kid")
    return key


def verify(token: str, key: Any) -> dict[str, Any]:
    """The claims of one of our tokens, its RS256 signature checked with `key`."""
    try:
        claims = json.loads(jws.verify(token, key, algorithms=[ALGORITHM]))
    except (JOSEError, ValueError, TypeError) as exc:
        raise Refused(SIGNATURE, type(exc).__name__) from exc
    if not isinstance(claims, dict):
        raise Refused(PAYLOAD, "payload is not an object")
    return claims


def sign(claims: Mapping[str, Any], key: Any, kid: str, typ: str) -> str:
    """One of our tokens: RS256 with the current key, its `kid` and `typ` in the header."""
    return jws.sign(dict(claims), key, headers={"typ": typ, "kid": kid}, algorithm=ALGORITHM)
