"""grant_type=client_credentials through the gateway (RFC 6749 §4.4): a confidential client
gets an access token for itself, within its scopes, with no refresh token and no session."""

from __future__ import annotations

import httpx
from flowkit import AppClient, Flow

TOKEN = "/api/v1/oauth/token"


def _cc(flow: Flow, client, **extra: str) -> httpx.Response:
    return httpx.post(f"{flow.base}{TOKEN}", auth=(client.client_id, client.client_secret), timeout=30,
                      data={"grant_type": "client_credentials", **extra})


def test_a_confidential_client_gets_a_token_for_itself(flow: Flow) -> None:
    client = flow.client("--grant-type", "client_credentials", scopes="openid read write")
    resp = _cc(flow, client)
    assert resp.status_code == 200, resp.text
    assert resp.headers["cache-control"] == "no-store"
    body = resp.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["scope"] == "read write" and body["token_type"] == "Bearer"
    described = httpx.post(f"{flow.base}/api/v1/oauth/introspect", timeout=30,
                           auth=(client.client_id, client.client_secret),
                           data={"token": body["access_token"]}).json()
    assert described["active"] is True and described["sub"] == client.client_id
    assert "sid" not in described


def test_scopes_stay_within_the_clients(flow: Flow) -> None:
    client = flow.client("--grant-type", "client_credentials", scopes="openid read write")
    assert _cc(flow, client, scope="read").json()["scope"] == "read"
    for scope in ("read admin", "openid"):
        resp = _cc(flow, client, scope=scope)
        assert resp.status_code == 400 and resp.json()["error"] == "invalid_scope", scope


def test_a_client_not_registered_for_the_grant_is_refused(flow: Flow) -> None:
    resp = _cc(flow, flow.client())
    assert resp.status_code == 400 and resp.json()["error"] == "unauthorized_client"
    bad = _cc(flow, AppClient("unknown-client", "x" * 40, "https://app.example/cb"))
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
