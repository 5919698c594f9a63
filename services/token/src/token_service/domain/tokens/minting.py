"""Minting JWTs: RFC 9068 access tokens and OpenID Connect ID tokens (OIDC Core §2).

Both are RS256 JWS (RFC 7515) signed with the current key, whose `kid` goes in the
header so verifiers pick the key from the JWKS. A token with a sign-in behind it carries
how the user authenticated: `amr` (RFC 8176) and the class it reached, `acr`
(authgate_common.core.acr.acr_for, so the two never disagree; RFC 9068 §2.2.1).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from authgate_common.core import jws
from authgate_common.core.acr import acr_for
from authgate_common.core.scope_catalog import REGISTERED_CLAIMS

from ..keys.key_ring import KeySource

# Claims an identity lookup may never override in a token we sign.
PROTECTED_CLAIMS = frozenset({"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "auth_time", "nonce",
                              "sid", "amr", "at_hash", "azp", "acr", "client_id", "scope", "cnf",
                              "act"}
                             ) | REGISTERED_CLAIMS


def authentication_claims(amr: Sequence[str]) -> dict[str, Any]:
    """`acr` and `amr` of a sign-in (OIDC Core §2; RFC 9068 §2.2.1); none without one."""
    return {"acr": acr_for(amr), "amr": list(amr)} if amr else {}


def at_hash(access_token: str) -> str:
    """OIDC Core §3.1.3.6: left half of SHA-256 of the ASCII token, base64url, no padding."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


@dataclass(frozen=True)
class AccessTokenRequest:
    subject: str
    client_id: str
    scopes: Sequence[str]
    audiences: Sequence[str] = ()
    sid: str = ""
    auth_time: int | None = None
    # RFC 8176 methods of the sign-in behind a user grant; empty for client_credentials.
    amr: Sequence[str] = ()
    # The granted scopes' access_token_claims, as identity answered them (never a protected one).
    user_claims: Mapping[str, Any] | None = None
    # RFC 9449 §6.1: the DPoP key's thumbprint the token is bound to (`cnf.jkt`); "": Bearer.
    dpop_jkt: str = ""
    # RFC 8693 §4.1: the acting party of a delegated token (grants/token_exchange), nested
    # prior actors inside; None: no actor.
    act: Mapping[str, Any] | None = None
    # The token may not outlive this (seconds since the epoch): an exchanged token ends no
    # later than its subject token. None: the full access-token lifetime.
    not_after: int | None = None


@dataclass(frozen=True)
class MintedToken:
    token: str
    claims: dict[str, Any]
    expires_in: int


class TokenMinter:
    def __init__(self, keys: KeySource, issuer: str, access_ttl: int, id_ttl: int,
                 clock: Callable[[], float] = time.time) -> None:
        self._keys = keys
        self.issuer = issuer.rstrip("/")
        self.access_ttl = access_ttl
        self.id_ttl = id_ttl
        self._clock = clock

    def _sign(self, claims: Mapping[str, Any], typ: str) -> str:
        keys = self._keys.current()  # one snapshot: the kid and the key always match
        return jws.sign(claims, keys.signing_key, keys.current_kid, typ)

    def access_token(self, req: AccessTokenRequest) -> MintedToken:
        """RFC 9068 §2.2: iss, exp, aud, sub, client_id, iat, jti (+ scope, sid, auth_time;
        §2.2.1 acr, amr; RFC 9449 §6.1 cnf.jkt)."""
        now = int(self._clock())
        ttl = self.access_ttl if req.not_after is None else max(0, min(self.access_ttl, req.not_after - now))
        claims: dict[str, Any] = {
            k: v for k, v in (req.user_claims or {}).items() if k not in PROTECTED_CLAIMS}
        claims |= {
            "iss": self.issuer, "sub": req.subject,
            "aud": list(req.audiences) or [req.client_id],
            "exp": now + ttl, "iat": now, "jti": secrets.token_urlsafe(16),
            "client_id": req.client_id, "scope": " ".join(req.scopes),
        }
        if req.sid:
            claims["sid"] = req.sid
        if req.auth_time is not None:
            claims["auth_time"] = req.auth_time
        claims |= authentication_claims(req.amr)
        if req.dpop_jkt:
            claims["cnf"] = {"jkt": req.dpop_jkt}
        if req.act:
            claims["act"] = dict(req.act)
        return MintedToken(self._sign(claims, "at+jwt"), claims, ttl)

    def id_token(self, *, subject: str, client_id: str, access_token: str, nonce: str = "",
                 sid: str = "", auth_time: int | None = None, amr: Sequence[str] = (),
                 user_claims: Mapping[str, Any] | None = None) -> MintedToken:
        """OIDC Core §2 and §3.1.3.6 (at_hash)."""
        now = int(self._clock())
        claims: dict[str, Any] = {
            k: v for k, v in (user_claims or {}).items() if k not in PROTECTED_CLAIMS}
        claims.update({"iss": self.issuer, "sub": subject, "aud": client_id,
                       "exp": now + self.id_ttl, "iat": now, "at_hash": at_hash(access_token)})
        if auth_time is not None:
            claims["auth_time"] = auth_time
        if nonce:
            claims["nonce"] = nonce
        if sid:
            claims["sid"] = sid
        claims |= authentication_claims(amr)
        return MintedToken(self._sign(claims, "JWT"), claims, self.id_ttl)
