"""UserInfo (OIDC Core §5.3) and where the bearer token may come from (RFC 6750 §2).

Only tokens of an OpenID request with a user behind them are answered: no `openid` is
403 insufficient_scope, no user (client_credentials) 401 invalid_token (RFC 6750 §3.1)."""

from __future__ import annotations

import pytest
from authgate_common.core.errors import InsufficientScope, InvalidRequest, InvalidToken
from fastapi.testclient import TestClient
from token_service.domain.endpoints.userinfo import UserInfo
from token_service.domain.tokens.minting import AccessTokenRequest
from token_service.entrypoints.bearer import extract_bearer


def _userinfo(world) -> UserInfo:
    return UserInfo(world.service.validator, world.identity)


def _token(world, scopes, subject: str = "u1", sid: str = "sid-1") -> str:
    return world.service.minter.access_token(AccessTokenRequest(
        subject=subject, client_id="web", scopes=scopes, sid=sid)).token


def _client_credentials_token(world) -> str:
    # What the client_credentials grant mints: the client is the subject, no session.
    return _token(world, ["read"], subject="web", sid="")


def test_claims_follow_the_granted_scopes(world) -> None:
    body = _userinfo(world).claims(_token(world, ["openid", "email"]))
    assert body == {"sub": "u1", "scope": "openid email", "iss": "https://auth.example",
                    "email": "alice@example.com", "email_verified": True}


def test_openid_alone_gets_sub_scope_and_iss(world) -> None:
    body = _userinfo(world).claims(_token(world, ["openid", "read"]))
    assert body == {"sub": "u1", "scope": "openid read", "iss": "https://auth.example"}


@pytest.mark.parametrize("scopes", [["read"], ["profile", "read"], ["profile", "email"], []])
def test_a_token_without_openid_is_insufficient_scope(world, scopes) -> None:
    with pytest.raises(InsufficientScope) as err:
        _userinfo(world).claims(_token(world, scopes))
    assert err.value.status_code == 403 and err.value.metadata == {"scope": "openid"}
    assert world.identity.calls == []  # refused before identity is asked for any claim


def test_a_token_without_a_user_is_invalid_token(world) -> None:
    with pytest.raises(InvalidToken) as err:
        _userinfo(world).claims(_client_credentials_token(world))
    assert err.value.status_code == 401 and "no user" in err.value.description
    assert world.identity.calls == []


def test_an_invalid_token_without_openid_is_still_invalid_token(world) -> None:
    token = _token(world, ["read"], sid="sid-ended")  # a session that is not alive
    with pytest.raises(InvalidToken):
        _userinfo(world).claims(token)


def test_refusals_carry_their_challenge_on_get_and_post(world) -> None:
    with TestClient(world.service.http_app) as http:
        for token, status, challenge in [
            (_token(world, ["profile", "read"]), 403,
             'error="insufficient_scope", error_description="UserInfo needs a token granted the openid '
             'scope.", scope="openid"'),
            (_client_credentials_token(world), 401,
             'error="invalid_token", error_description="The access token has no user behind it."'),
        ]:
            for resp in (http.get("/api/v1/userinfo/me", headers={"Authorization": f"Bearer {token}"}),
                         http.post("/api/v1/userinfo/me", data={"access_token": token})):
                assert resp.status_code == status, resp.text
                assert resp.json()["error"] in challenge
                assert resp.headers["www-authenticate"] == f'Bearer realm="authgate", {challenge}'
                assert resp.headers["cache-control"] == "no-store"


def test_deleted_user_is_invalid_token(world) -> None:
    token = world.service.minter.access_token(AccessTokenRequest(
        subject="ghost", client_id="web", scopes=["openid", "profile"])).token
    with pytest.raises(InvalidToken):
        _userinfo(world).claims(token)


def test_bearer_sources() -> None:
    assert extract_bearer("Bearer abc") == "abc"
    assert extract_bearer("bearer  abc ") == "abc"
    assert extract_bearer(None, "xyz") == "xyz"
    with pytest.raises(InvalidRequest):
        extract_bearer("Bearer abc", "abc")
    for header in (None, "", "Basic d2ViOnM="):
        with pytest.raises(InvalidToken) as err:
            extract_bearer(header)
        assert err.value.metadata == {"no_token": "1"}
    with pytest.raises(InvalidToken) as err:
        extract_bearer("Bearer ")
    assert err.value.metadata == {}
