"""UserInfo (OIDC Core §5.3) and where the bearer token may come from (RFC 6750 §2)."""

from __future__ import annotations

import pytest
from authgate_common.errors import InvalidRequest, InvalidToken
from token_service.domain.bearer import extract_bearer
from token_service.domain.minting import AccessTokenRequest
from token_service.domain.userinfo import UserInfo


def _userinfo(world) -> UserInfo:  # type: ignore[no-untyped-def]
    return UserInfo(world.service.validator, world.identity)


def _token(world, scopes) -> str:  # type: ignore[no-untyped-def]
    return world.service.minter.access_token(AccessTokenRequest(
        subject="u1", client_id="web", scopes=scopes, sid="sid-1")).token


def test_claims_follow_the_granted_scopes(world) -> None:  # type: ignore[no-untyped-def]
    body = _userinfo(world).claims(_token(world, ["openid", "email"]))
    assert body == {"sub": "u1", "scope": "openid email", "iss": "https://auth.example",
                    "email": "alice@example.com", "email_verified": True}


def test_plain_oauth_token_gets_sub_scope_and_iss(world) -> None:  # type: ignore[no-untyped-def]
    body = _userinfo(world).claims(_token(world, ["read"]))
    assert set(body) == {"sub", "scope", "iss"} and body["scope"] == "read"


def test_deleted_user_is_invalid_token(world) -> None:  # type: ignore[no-untyped-def]
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
