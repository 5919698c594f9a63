"""Access tokens (RFC 9068 §2) and ID tokens (OIDC Core §2, §3.1.3.6) as a client sees them."""

from __future__ import annotations

import base64
import hashlib
import time

from jose import jwt
from token_service.domain.tokens.minting import AccessTokenRequest, at_hash


def _decode(token, keys, **kw):
    kid = jwt.get_unverified_header(token)["kid"]
    return jwt.decode(token, keys.public_key(kid), algorithms=["RS256"],
                      options={"verify_aud": False, "verify_at_hash": False}, **kw)


def test_access_token_header_and_claims(world) -> None:
    minted = world.service.minter.access_token(AccessTokenRequest(
        subject="u1", client_id="web", scopes=["openid", "read"], sid="sid-1", auth_time=1700000000))
    header = jwt.get_unverified_header(minted.token)
    assert header == {"alg": "RS256", "typ": "at+jwt", "kid": world.keys.current_kid}
    claims = _decode(minted.token, world.keys)
    assert claims["iss"] == "https://auth.example"  # trailing slash of ISSUER dropped
    assert claims["sub"] == "u1" and claims["client_id"] == "web"
    assert claims["aud"] == ["web"]
    assert claims["exp"] - claims["iat"] == 900 and abs(claims["iat"] - time.time()) < 5
    assert claims["scope"] == "openid read"
    assert claims["sid"] == "sid-1" and claims["auth_time"] == 1700000000
    assert len(base64.urlsafe_b64decode(claims["jti"] + "==")) == 16
    assert "nbf" not in claims


def test_registered_audiences_replace_the_client_id(world) -> None:
    minted = world.service.minter.access_token(AccessTokenRequest(
        subject="u1", client_id="web", scopes=["read"], audiences=["https://api.example"]))
    assert _decode(minted.token, world.keys)["aud"] == ["https://api.example"]
    assert "sid" not in minted.claims


def test_a_token_capped_by_not_after_ends_then(world) -> None:
    """An exchanged token (RFC 8693) never outlives its subject token."""
    soon = int(time.time()) + 60
    minted = world.service.minter.access_token(AccessTokenRequest(
        subject="u1", client_id="web", scopes=["read"], not_after=soon))
    assert minted.claims["exp"] == soon and minted.expires_in <= 60
    later = world.service.minter.access_token(AccessTokenRequest(
        subject="u1", client_id="web", scopes=["read"], not_after=soon + 10_000))
    assert later.claims["exp"] - later.claims["iat"] == 900  # the cap never lengthens a token


def test_every_token_has_its_own_jti(world) -> None:
    req = AccessTokenRequest(subject="u1", client_id="web", scopes=["read"])
    assert world.service.minter.access_token(req).claims["jti"] != \
        world.service.minter.access_token(req).claims["jti"]


def test_at_hash_is_the_left_half_of_sha256() -> None:
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.sig"
    digest = hashlib.sha256(token.encode()).digest()
    assert at_hash(token) == base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()
    assert "=" not in at_hash(token) and len(at_hash(token)) == 22


def test_id_token_claims(world) -> None:
    minted = world.service.minter.id_token(
        subject="u1", client_id="web", access_token="a.b.c", nonce="n-1", sid="sid-1",
        auth_time=1700000000, amr=["pwd"],
        user_claims={"email": "alice@example.com", "iss": "https://evil", "sub": "other"})
    header = jwt.get_unverified_header(minted.token)
    assert header["typ"] == "JWT" and header["kid"] == world.keys.current_kid
    claims = jwt.decode(minted.token, world.keys.public_key(header["kid"]), algorithms=["RS256"],
                        audience="web", issuer="https://auth.example", access_token="a.b.c")
    assert claims["aud"] == "web" and claims["sub"] == "u1"
    assert claims["nonce"] == "n-1" and claims["sid"] == "sid-1" and claims["amr"] == ["pwd"]
    assert claims["auth_time"] == 1700000000 and claims["at_hash"] == at_hash("a.b.c")
    assert claims["email"] == "alice@example.com"  # user claims may not override iss or sub
    assert claims["exp"] - claims["iat"] == 900
