"""The ID token of a code exchange (OIDC Core §3.1.3.3, §3.1.3.6, §5.4)."""

from __future__ import annotations

from jose import jwt
from token_service.domain.tokens.minting import at_hash
from token_service.entrypoints.form_request import form_request

BASIC = "Basic d2ViOnMzY3JldA=="  # web:s3cret
FORM = "application/x-www-form-urlencoded"
BODY = b"grant_type=authorization_code&code=c1&redirect_uri=https%3A%2F%2Fapp%2Fcb&code_verifier=v"


def test_id_token_carries_nonce_sid_at_hash_and_granted_claims(world, make_grant) -> None:
    g = make_grant()
    world.authorization.add_code("c1", g, "https://app/cb")
    resp = world.service.token_endpoint.handle(form_request(FORM, BODY, BASIC))
    key = world.keys.public_key(jwt.get_unverified_header(resp.id_token)["kid"])
    claims = jwt.decode(resp.id_token, key, algorithms=["RS256"], audience="web",
                        issuer="https://auth.example", access_token=resp.access_token)
    assert claims["sub"] == "u1" and claims["nonce"] == "n-1" and claims["sid"] == "sid-1"
    assert claims["auth_time"] == g.auth_time and claims["amr"] == ["pwd"]
    assert claims["at_hash"] == at_hash(resp.access_token)
    assert claims["email"] == "alice@example.com" and claims["preferred_username"] == "alice"
    assert world.identity.calls == [("u1", ("profile", "email"))]


def test_openid_without_claim_scopes_asks_identity_nothing(world, make_grant) -> None:
    world.authorization.add_code("c1", make_grant(scopes=("openid", "read"), nonce=""), "https://app/cb")
    resp = world.service.token_endpoint.handle(form_request(FORM, BODY, BASIC))
    claims = jwt.get_unverified_claims(resp.id_token)
    assert "nonce" not in claims and "email" not in claims
    assert world.identity.calls == []
