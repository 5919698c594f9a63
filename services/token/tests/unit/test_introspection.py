"""Token introspection (RFC 7662): a live token is described; anything else (expired,
revoked, another client's, session ended, malformed, unknown) is exactly {"active": false}."""

from __future__ import annotations

import time

import pytest
from authgate_common.core.errors import InvalidRequest, TemporarilyUnavailable
from token_service.domain.ports import Client
from token_service.domain.tokens.minting import AccessTokenRequest, TokenMinter
from token_service.entrypoints.form_request import form_request
from token_service.entrypoints.http_api import quick_introspection

INACTIVE = {"active": False}


def test_a_live_access_token_is_described(calls) -> None:
    tokens = calls.sign_in()
    body = calls.introspect(tokens.access_token, token_type_hint="refresh_token")
    claims = calls.world.service.validator.validate(tokens.access_token)
    assert body == {"active": True, "token_type": "access_token", "scope": "openid read write",
                    "client_id": "app", "sub": "u1", "exp": claims["exp"], "iat": claims["iat"],
                    "aud": ["app", "urn:authgate:api"], "iss": "https://auth.example",
                    "jti": claims["jti"], "sid": "sid-1", "auth_time": claims["auth_time"],
                    "acr": "urn:authgate:acr:pwd", "amr": ["pwd"]}


def test_a_live_refresh_token_is_described_to_its_client(calls) -> None:
    tokens = calls.sign_in()
    body = calls.introspect(tokens.refresh_token)
    assert body["active"] is True and body["token_type"] == "refresh_token"
    assert body["client_id"] == "app" and body["sub"] == "u1" and body["sid"] == "sid-1"
    assert body["scope"] == "openid read write" and body["iss"] == "https://auth.example"
    assert 29 * 86400 < body["exp"] - body["iat"] <= 30 * 86400
    assert (body["acr"], body["amr"]) == ("urn:authgate:acr:pwd", ["pwd"]) and body["auth_time"]
    assert tokens.refresh_token not in str(body)


def test_the_audience_may_introspect_an_access_token_meant_for_it(calls) -> None:
    calls.world.authorization.add_client(Client("https://api.example", scopes=("read",)), "rs-secret")
    token = calls.token({"grant_type": "client_credentials"}, ("svc", "svc-secret")).access_token
    assert calls.introspect(token, auth=("https://api.example", "rs-secret"))["active"] is True
    assert calls.introspect(token, auth=("other", "other-secret")) == INACTIVE


def test_every_inactive_case_answers_only_active_false(calls, keys, other_keys) -> None:
    world = calls.world
    used = calls.sign_in()
    calls.refresh(used.refresh_token)
    revoked = calls.sign_in()
    calls.revoke(revoked.access_token)
    calls.revoke(revoked.refresh_token)
    ended = calls.sign_in(sid="sid-ended")
    world.sessions.alive.add("sid-ended")
    foreign = calls.sign_in(auth=("other", "other-secret"), client_id="other")
    expired = TokenMinter(keys, "https://auth.example", 60, 60, clock=lambda: time.time() - 3600)
    forged = TokenMinter(other_keys, "https://auth.example", 60, 60)
    world.sessions.alive.discard("sid-ended")
    cases = {
        "used refresh": used.refresh_token,
        "revoked access": revoked.access_token, "revoked refresh": revoked.refresh_token,
        "session ended access": ended.access_token, "session ended refresh": ended.refresh_token,
        "foreign access": foreign.access_token, "foreign refresh": foreign.refresh_token,
        "expired": expired.access_token(AccessTokenRequest("u1", "app", ["read"])).token,
        "wrong key": forged.access_token(AccessTokenRequest("u1", "app", ["read"])).token,
        "malformed": "a.b.c", "unknown": "nope", "huge": "x" * 9000,
    }
    for name, token in cases.items():
        assert calls.introspect(token) == INACTIVE, name


def test_unknown_revocation_state_is_an_error_not_inactive(calls) -> None:
    tokens = calls.sign_in()
    calls.world.sessions.unavailable = True
    with pytest.raises(TemporarilyUnavailable):
        calls.introspect(tokens.access_token)


def test_only_access_tokens_are_quick(calls) -> None:
    # A JWT is validated from memory and Redis; a refresh token is read from PostgreSQL, so
    # the HTTP fast lane must hand it to a worker thread (entrypoints/fast_lane.py).
    tokens = calls.sign_in()

    def quick(content_type: str, body: bytes) -> bool:
        try:
            return quick_introspection(form_request(content_type, body, None))
        except InvalidRequest:
            return True  # refused by the edge before any store is touched
    form = "application/x-www-form-urlencoded"
    assert quick(form, f"token={tokens.access_token}".encode())
    assert not quick(form, f"token={tokens.refresh_token}".encode())
    assert quick("text/plain", b"token=x")  # refused before any store is touched
