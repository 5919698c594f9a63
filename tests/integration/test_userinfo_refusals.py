"""UserInfo answers only tokens of an OpenID request with a user behind them (OIDC Core
§5.3), through the gateway: a token granted without `openid` is 403 insufficient_scope,
a client_credentials token 401 invalid_token, each with its RFC 6750 §3.1 challenge, on
GET and POST alike; an `openid` token still gets the user's claims."""

from __future__ import annotations

import httpx
from flowkit import Flow

USERINFO = "/api/v1/userinfo/me"
NO_OPENID = 'Bearer realm="authgate", error="insufficient_scope", '
NO_USER = 'Bearer realm="authgate", error="invalid_token", '


def _both_ways(flow: Flow, access: str) -> list[httpx.Response]:
    """The token in the Authorization header (GET) and in the form body (POST, RFC 6750 §2.2)."""
    return [httpx.get(f"{flow.base}{USERINFO}", headers={"Authorization": f"Bearer {access}"}, timeout=30),
            httpx.post(f"{flow.base}{USERINFO}", data={"access_token": access}, timeout=30)]


def test_a_token_granted_without_openid_is_insufficient_scope(flow: Flow) -> None:
    tokens = flow.tokens(scope="profile read")
    assert tokens["scope"] == "profile read" and "id_token" not in tokens
    for resp in _both_ways(flow, tokens["access_token"]):
        assert resp.status_code == 403, resp.text
        assert resp.json()["error"] == "insufficient_scope"
        challenge = resp.headers["www-authenticate"]
        assert challenge.startswith(NO_OPENID) and challenge.endswith(', scope="openid"'), challenge
        assert "sub" not in resp.json() and resp.headers["cache-control"] == "no-store"


def test_a_client_credentials_token_is_invalid_token(flow: Flow) -> None:
    machine = flow.client("--grant-type", "client_credentials", scopes="read")
    issued = httpx.post(f"{flow.base}/api/v1/oauth/token", data={"grant_type": "client_credentials"},
                        auth=(machine.client_id, machine.client_secret), timeout=30)
    assert issued.status_code == 200, issued.text
    for resp in _both_ways(flow, issued.json()["access_token"]):
        assert resp.status_code == 401, resp.text
        assert resp.json()["error"] == "invalid_token"
        assert resp.headers["www-authenticate"].startswith(NO_USER), resp.headers["www-authenticate"]
        assert machine.client_id not in resp.text


def test_an_openid_token_still_gets_the_users_claims(flow: Flow) -> None:
    user = flow.user()
    tokens = flow.tokens(user=user, scope="openid profile read")
    for resp in _both_ways(flow, tokens["access_token"]):
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert body["sub"] == user.id and body["scope"] == "openid profile read"
        assert body["preferred_username"] == user.username and "www-authenticate" not in resp.headers
