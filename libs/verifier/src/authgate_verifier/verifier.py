"""Verifier: an authgate access token checked in process, as ValidateToken checks it.

The rules of the token service's validator (services/token domain/tokens/validation.py,
RFC 9068, RFC 8725): a compact JWS of at most 8 KiB; header `alg` exactly RS256 (`none`,
HS256 — an HMAC keyed with the public key — and every other algorithm refused before any
cryptography), `typ` at+jwt, no `jku`/`x5u`/`jwk`/`x5c`/`crit`, a `kid` of the issuer's
JWKS; the RSA signature; `iss`, `sub`, `jti`, `client_id` present, `iss` the issuer, `aud`
holding the configured audience, `exp`/`nbf`/`iat` within `clock_skew`; then the
revocations (jti, client, session); the DPoP binding (RFC 9449: a token with `cnf.jkt`
needs the DPoP scheme and a proof of its key for this request, dpop.py); the required
scopes and, when asked, the class of the sign-in (`acr`, RFC 9470:
insufficient_user_authentication). Under the DPoP scheme every refusal carries the DPoP
challenge (RFC 9449 §7.1).

A verified token is remembered (bounded, least recently used out) with its claims and the
key that verified it, so a token presented again costs the time checks, the revocation
lookups and the scopes: the entry counts only while the JWKS still holds that very key,
and it is dropped when the token expires or is found revoked.
"""

from __future__ import annotations

import binascii
import json
import threading
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from .acr import reaches
from .dpop import ALGS, DPoPRequest, ProofChecker, ReplayGuard, bound_jkt
from .errors import InsufficientScope, InsufficientUserAuthentication, InvalidToken, VerificationError
from .jwks import JwksCache
from .revocations import RevocationState

MAX_TOKEN_CHARS = 8192
ACCEPTED_TYP = ("at+jwt", "application/at+jwt")
REFUSED_HEADERS = ("jku", "x5u", "jwk", "x5c", "crit")
HEADER_CACHE_SIZE = 64
_PAD, _SHA256 = padding.PKCS1v15(), hashes.SHA256()


@dataclass(frozen=True, slots=True)
class Claims:
    sub: str
    client_id: str
    scopes: frozenset[str]
    sid: str
    jti: str
    iss: str
    aud: tuple[str, ...]
    exp: float
    iat: float
    nbf: float
    raw: Mapping[str, Any]  # every claim, read-only
    # How the user signed in (OIDC Core §2, RFC 8176; RFC 9068 §2.2.1): empty for a
    # client's own token (client_credentials).
    acr: str = ""
    amr: tuple[str, ...] = ()
    # RFC 9449 §6.1: the thumbprint of the key the token is bound to (`cnf.jkt`), or "" for
    # a bearer token. verify() has checked the request's proof against it.
    cnf_jkt: str = ""


def _b64(segment: str) -> bytes:
    """Unpadded base64url (RFC 7515 §2), strictly: anything else raises ValueError."""
    if "=" in segment or "+" in segment or "/" in segment:
        raise ValueError("not unpadded base64url")
    return binascii.a2b_base64(segment.replace("-", "+").replace("_", "/") + "=" * (-len(segment) % 4),
                               strict_mode=True)


def _segment(segment: str) -> dict[str, Any]:
    try:
        value = json.loads(_b64(segment))
    except (ValueError, binascii.Error, RecursionError) as exc:
        raise InvalidToken("The access token is malformed.") from exc
    if not isinstance(value, dict):
        raise InvalidToken("The access token is malformed.")
    return value


def _base_url(url: str) -> str:
    """A public base URL: absolute http(s), no query or fragment, no trailing slash."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"public_base_url must be an http(s) URL without query: {url!r}")
    return url.rstrip("/")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class Verifier:
    def __init__(self, issuer: str, audience: str, jwks: JwksCache, revocations: RevocationState, *,
                 clock_skew: float = 30.0, cache_size: int = 10_000,
                 clock: Callable[[], float] = time.time, public_base_url: str | None = None,
                 dpop_max_age: float = 60.0, dpop_clock_skew: float = 5.0,
                 dpop_replay: ReplayGuard | None = None, dpop_replay_cache_size: int = 100_000) -> None:
        if not audience:
            raise ValueError("a verifier needs the audience its resource server answers to")
        self._issuer = issuer.rstrip("/")
        self._audience = audience
        self.jwks = jwks
        self.revocations = revocations
        self._skew = clock_skew
        self._clock = clock
        self._cache_size = cache_size
        self._cache: OrderedDict[str, tuple[Claims, str, RSAPublicKey]] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._headers: dict[str, str] = {}  # header segment -> kid, for headers that passed
        self.closers: list[Callable[[], None]] = []  # the feed subscription, when connect() made it
        # The URL clients address this resource server at (scheme, host and any path prefix a
        # proxy strips): what DPoP proofs name in `htu` (asgi.request_url). None: the request's own.
        self.public_base_url = _base_url(public_base_url) if public_base_url else None
        self.dpop = ProofChecker(max_age=dpop_max_age, skew=dpop_clock_skew, replay=dpop_replay,
                                 replay_cache_size=dpop_replay_cache_size, clock=clock)

    def close(self) -> None:
        for close in self.closers:
            close()

    def verify(self, token: str, required_scopes: Collection[str] = (), acr: str | None = None, *,
               dpop: DPoPRequest | None = None) -> Claims:
        """The token's claims, or InvalidToken (401), InvalidDPoPProof (401),
        InsufficientScope (403), InsufficientUserAuthentication (401: its `acr` is below
        `acr`), Unavailable (503).

        `dpop`: the request presented the token under the DPoP scheme (its proof, method and
        URL); None: as a Bearer token, which a DPoP-bound token may not be."""
        try:
            return self._verify(token, required_scopes, acr, dpop)
        except VerificationError as exc:
            if dpop is not None and exc.status != 503:
                exc.under_dpop(ALGS)  # RFC 9449 §7.1: answer in the scheme the client used
            raise

    def _verify(self, token: str, required_scopes: Collection[str], acr: str | None,
                dpop: DPoPRequest | None) -> Claims:
        entry = self._cache.get(token) if isinstance(token, str) else None
        if entry is not None and self.jwks.current(entry[1]) is entry[2]:
            claims = entry[0]
            try:
                self._cache.move_to_end(token)
            except KeyError:
                pass  # evicted meanwhile by another thread
        else:
            claims = self._verified(token)
        now = self._clock()
        if claims.exp + self._skew <= now:
            self._forget(token)
            raise InvalidToken("The access token has expired.")
        if claims.iat - self._skew > now or claims.nbf - self._skew > now:
            raise InvalidToken("The access token is not valid yet.")
        try:
            self.revocations.check(claims.jti, claims.client_id, claims.iat, claims.sid)
        except InvalidToken:
            self._forget(token)
            raise
        self.dpop.check(token, claims.cnf_jkt, dpop)
        if required_scopes:
            required = tuple(s for s in required_scopes if s)
            if not claims.scopes.issuperset(required):
                raise InsufficientScope(required)
        if acr is not None and not reaches(claims.acr, acr):
            raise InsufficientUserAuthentication(acr)
        return claims

    def _verified(self, token: str) -> Claims:
        if not isinstance(token, str) or not token:
            raise InvalidToken("The access token is missing.")
        if len(token) > MAX_TOKEN_CHARS:
            raise InvalidToken("The access token is too large.")
        parts = token.split(".")
        if len(parts) != 3:
            raise InvalidToken("The access token is malformed.")
        kid = self._headers.get(parts[0])
        if kid is None:
            kid = self._kid(parts[0])
        key = self.jwks.key(kid) if kid else None
        if key is None:
            raise InvalidToken("The access token was not signed by a known key.")
        try:
            key.verify(_b64(parts[2]), (parts[0] + "." + parts[1]).encode("ascii"), _PAD, _SHA256)
        except (InvalidSignature, ValueError, binascii.Error, UnicodeEncodeError) as exc:
            raise InvalidToken("The access token is invalid.") from exc
        claims = self._claims(_segment(parts[1]))
        self._remember(token, claims, kid, key)
        return claims

    def _kid(self, segment: str) -> str:
        """The header's `kid` once its rules hold; every token of one key has the same
        header, so an accepted one is remembered (a few entries: one per key)."""
        header = _segment(segment)
        if header.get("alg") != "RS256":
            raise InvalidToken("The access token uses an unaccepted algorithm.")
        typ = header.get("typ")
        if not isinstance(typ, str) or typ.lower() not in ACCEPTED_TYP:
            raise InvalidToken("The token is not an access token.")
        if any(name in header for name in REFUSED_HEADERS):
            raise InvalidToken("The access token carries a refused header parameter.")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("The access token was not signed by a known key.")
        if len(self._headers) >= HEADER_CACHE_SIZE:
            self._headers.clear()
        self._headers[segment] = kid
        return kid

    def _claims(self, raw: dict[str, Any]) -> Claims:
        iss, sub, jti, client_id = raw.get("iss"), raw.get("sub"), raw.get("jti"), raw.get("client_id")
        if not (isinstance(iss, str) and isinstance(sub, str) and isinstance(jti, str)
                and isinstance(client_id, str) and iss and sub and jti and client_id):
            raise InvalidToken("The access token lacks a required claim.")
        if iss != self._issuer:
            raise InvalidToken("The access token was issued by someone else.")
        aud = raw.get("aud")
        auds = (aud,) if isinstance(aud, str) else tuple(a for a in aud if isinstance(a, str)) \
            if isinstance(aud, list) else ()
        if self._audience not in auds:
            raise InvalidToken("The access token is not meant for this audience.")
        exp: Any = raw.get("exp")
        iat: Any = raw.get("iat")
        nbf: Any = raw.get("nbf", 0)
        if not (_number(exp) and _number(iat) and _number(nbf)):
            raise InvalidToken("The access token is invalid.")
        scope, sid = raw.get("scope", ""), raw.get("sid", "")
        acr, amr = raw.get("acr", ""), raw.get("amr", [])
        if not (isinstance(scope, str) and isinstance(sid, str) and isinstance(acr, str)
                and isinstance(amr, list) and all(isinstance(m, str) for m in amr)):
            raise InvalidToken("The access token is invalid.")
        return Claims(sub, client_id, frozenset(scope.split()), sid, jti, iss, auds, exp, iat, nbf,
                      MappingProxyType(raw), acr, tuple(amr), bound_jkt(raw.get("cnf")))

    def _remember(self, token: str, claims: Claims, kid: str, key: RSAPublicKey) -> None:
        with self._cache_lock:
            self._cache[token] = (claims, kid, key)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def _forget(self, token: str) -> None:
        with self._cache_lock:
            self._cache.pop(token, None)
