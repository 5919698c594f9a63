"""POST /api/v1/oauth/introspect through the gateway (RFC 7662): live tokens described,
every inactive case answered with exactly {"active": false}, unauthenticated callers 401."""

from __future__ import annotations

import httpx
from flowkit import Flow

INTROSPECT = "/api/v1/oauth/introspect"
INACTIVE = {"active": False}


def _introspect(flow: Flow, client, token: str) -> httpx.Response:
    return httpx.post(f"{flow.base}{INTROSPECT}", auth=(client.client_id, client.client_secret),
                      data={"token": token}, timeout=30)


def _post(flow: Flow, path: str, client, **data: str) -> httpx.Response:
    return httpx.post(f"{flow.base}{path}", auth=(client.client_id, client.client_secret), data=data,
                      timeout=30)


def test_live_tokens_are_described(flow: Flow) -> None:
    user = flow.user()
    client = flow.client("--grant-type", "refresh_token")
    tokens = flow.tokens(user=user, client=client)
    resp = _introspect(flow, client, tokens["access_token"])
    assert resp.status_code == 200 and resp.headers["cache-control"] == "no-store"
    body = resp.json()
    assert body["active"] is True and body["token_type"] == "access_token"
    assert body["sub"] == user.id and body["client_id"] == client.client_id and body["sid"]
    assert body["scope"] == tokens["scope"] and body["iss"] == flow.base.rstrip("/")
    # Its client, and the resource API that `read` opens (API_AUDIENCE).
    assert body["aud"] == [client.client_id, "urn:authgate:api"]
    assert body["exp"] > body["iat"] and body["jti"]
    refresh = _introspect(flow, client, tokens["refresh_token"]).json()
    assert refresh["active"] is True and refresh["token_type"] == "refresh_token"
    assert refresh["sub"] == user.id and refresh["sid"] == body["sid"]


def test_every_inactive_case(flow: Flow) -> None:
    client = flow.client("--grant-type", "refresh_token", scopes="openid profile email read write account")
    other = flow.client("--grant-type", "refresh_token")
    rotated = flow.tokens(client=client)
    _post(flow, "/api/v1/oauth/token", client, grant_type="refresh_token",
          refresh_token=rotated["refresh_token"])
    revoked = flow.tokens(client=client)
    for token in (revoked["access_token"], revoked["refresh_token"]):
        _post(flow, "/api/v1/oauth/revoke", client, token=token)
    logged_out = flow.tokens(client=client, scope="openid read account")
    logout = httpx.post(f"{flow.base}/api/v1/logout", timeout=30,
                        headers={"Authorization": f"Bearer {logged_out['access_token']}"})
    assert logout.status_code in (200, 204), logout.text
    foreign = flow.tokens(client=client)
    header, payload, signature = foreign["access_token"].split(".")
    cases = {
        "rotated refresh": (client, rotated["refresh_token"]),
        "revoked access": (client, revoked["access_token"]),
        "revoked refresh": (client, revoked["refresh_token"]),
        "session ended access": (client, logged_out["access_token"]),
        "session ended refresh": (client, logged_out["refresh_token"]),
        "another client's access": (other, foreign["access_token"]),
        "another client's refresh": (other, foreign["refresh_token"]),
        "tampered": (client, f"{header}.{payload}x.{signature}"),
        "malformed": (client, "%%%"),
        "unknown": (client, "never-issued-" + "x" * 30),
    }
    for name, (caller, token) in cases.items():
        resp = _introspect(flow, caller, token)
        assert resp.status_code == 200 and resp.json() == INACTIVE, name


def test_unauthenticated_introspection_is_401(flow: Flow) -> None:
    client = flow.client()
    token = flow.tokens(client=client)["access_token"]
    for resp in (httpx.post(f"{flow.base}{INTROSPECT}", data={"token": token}, timeout=30),
                 httpx.post(f"{flow.base}{INTROSPECT}", data={"token": token}, timeout=30,
                            auth=(client.client_id, "not-the-secret-" + "x" * 30))):
        assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"
        assert resp.headers["www-authenticate"].startswith("Basic")
