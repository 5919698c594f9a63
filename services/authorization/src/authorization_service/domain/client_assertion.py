"""private_key_jwt client authentication (RFC 7523 §2.2, §3; RFC 7521 §4.2; OIDC Core §9).

The client signs a short-lived JWT with a key it registered and sends it as
`client_assertion`. Checked, in order, each failure `invalid_client` alike (the log
detail says which):
  1. shape: a compact JWS of at most 8 KiB with JSON header and claims;
  2. header: `alg` from the allow-list (RS256, PS256, ES256) before any cryptography,
     so `none` and HS256 (keyed with the public key) never get near a key; `crit` is
     refused; `jku`, `x5u`, `jwk` and `x5c` are never followed (keys come only from the
     registration); shape and header rules are authgate_common.core.jws's;
  3. signature: with the registered key named by `kid` (a key of a one-key JWKS when
     the header has no `kid`), of a type that fits `alg`;
  4. claims: `iss` = `sub` = client_id; `aud` names the issuer or the token endpoint;
     `exp` present, not past, and at most MAX_LIFETIME_SECONDS ahead (and after `iat`);
     `iat` and `nbf`, when present, not in the future; `jti` present;
  5. `jti` unused: remembered (SET NX, shared by every replica) until the assertion
     expires, so each assertion authenticates once.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from authgate_common.core import jws
from authgate_common.core.errors import InvalidClient

from .client_keys import SIGNING_ALGS, ClientKey, load_keys

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
MAX_ASSERTION_CHARS = 8192
MAX_LIFETIME_SECONDS = 300
MAX_JTI_CHARS = 256


class JtiRegistry(Protocol):
    def first_use(self, key: str, ttl_seconds: int) -> bool:
        """Record `key` for `ttl_seconds` unless it is there already; True when it was new.
        Raises TemporarilyUnavailable when it cannot tell (the caller then fails closed)."""
        ...


def _fail(detail: str) -> InvalidClient:
    return InvalidClient(detail=f"client assertion: {detail}")


def _segments(assertion: str) -> tuple[str, str, str, dict[str, Any], dict[str, Any]]:
    """The three segments, the header and the claims of a compact JWS (not yet verified)."""
    try:
        header_part, claims_part, signature_part = jws.split_compact(assertion, MAX_ASSERTION_CHARS)
        return (header_part, claims_part, signature_part,
                jws.json_segment(header_part), jws.json_segment(claims_part))
    except jws.Refused as refused:
        raise _fail(refused.detail) from refused


def _number(claims: dict[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(f"{name} is not a number")
    return float(value)


def peek_subject(assertion: str) -> str:
    """The unverified `sub`, to find which client's keys to verify with."""
    try:
        claims_part = jws.split_compact(assertion, MAX_ASSERTION_CHARS)[1]
        sub = jws.json_segment(claims_part).get("sub")
    except jws.Refused as refused:
        raise _fail(refused.detail) from refused
    if not isinstance(sub, str) or not sub:
        raise _fail("no sub")
    return sub


class ClientAssertions:
    def __init__(self, audiences: Iterable[str], jtis: JtiRegistry, clock_skew: int = 30,
                 clock: Callable[[], float] = time.time) -> None:
        self._audiences = frozenset(audiences)
        self._jtis = jtis
        self._skew = clock_skew
        self._clock = clock

    def verify(self, client_id: str, jwks: str, assertion: str) -> None:
        """Raises InvalidClient unless `assertion` authenticates `client_id` (and uses it up)."""
        header_part, claims_part, signature_part, header, claims = _segments(assertion)
        try:
            # Never followed, so not refused: jku, x5u, jwk, x5c (keys come from the registration).
            alg = jws.check_header(header, typ=None, algorithms=SIGNING_ALGS, refused=("crit",))
        except jws.Refused as refused:
            raise _fail(refused.detail) from refused
        key = self._key(load_keys(jwks), header.get("kid"))
        try:
            signature = jws.b64url_decode(signature_part)
        except ValueError as exc:
            raise _fail("signature is not base64url") from exc
        if not key.verify(alg, signature, f"{header_part}.{claims_part}".encode("ascii")):
            raise _fail(f"bad signature (kid {key.kid!r}, alg {alg})")
        exp = self._check_claims(client_id, claims)
        jti = claims["jti"]
        ttl = int(exp - self._clock()) + self._skew + 1
        digest = hashlib.sha256(jti.encode("utf-8")).hexdigest()
        if not self._jtis.first_use(f"client-assertion-jti:{client_id}:{digest}", ttl):
            raise _fail("jti already used")

    @staticmethod
    def _key(keys: dict[str, ClientKey], kid: Any) -> ClientKey:
        if kid is None and len(keys) == 1:
            return next(iter(keys.values()))
        if not isinstance(kid, str) or kid not in keys:
            raise _fail(f"unknown kid {str(kid)[:40]!r}")
        return keys[kid]

    def _check_claims(self, client_id: str, claims: dict[str, Any]) -> float:
        if claims.get("iss") != client_id or claims.get("sub") != client_id:
            raise _fail("iss and sub must both be the client_id")
        aud = claims.get("aud")
        audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        if not any(isinstance(a, str) and a in self._audiences for a in audiences):
            raise _fail("aud names neither the issuer nor the token endpoint")
        now = self._clock()
        exp, iat, nbf = _number(claims, "exp"), _number(claims, "iat"), _number(claims, "nbf")
        if exp is None:
            raise _fail("no exp")
        if exp <= now - self._skew:
            raise _fail("expired")
        if exp > now + MAX_LIFETIME_SECONDS + self._skew:
            raise _fail(f"exp more than {MAX_LIFETIME_SECONDS} s ahead")
        if iat is not None and (iat > now + self._skew or exp - iat > MAX_LIFETIME_SECONDS):
            raise _fail("iat in the future or too long before exp")
        if nbf is not None and nbf > now + self._skew:
            raise _fail("not yet valid (nbf)")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti or len(jti) > MAX_JTI_CHARS:
            raise _fail("no usable jti")
        return exp
