"""POST /api/v1/oauth/revoke through the gateway (RFC 7009): each token type, another
client's token (never revoked), unknown tokens (200) and client authentication (401)."""

from __future__ import annotations

import httpx
from flowkit import Flow

REVOKE = "/api/v1/oauth/revoke"


def _revoke(flow: Flow, client, token: str, **extra: str) -> httpx.Response:
    return httpx.post(f"{flow.base}{REVOKE}", auth=(client.client_id, client.client_secret), timeout=30,
                      data={"token": token, **extra})


def _userinfo(flow: Flow, access: str) -> int:
    return httpx.get(f"{flow.base}/api/v1/userinfo/me", headers={"Authorization": f"Bearer {access}"},
                     timeout=30).status_code


def _refresh(flow: Flow, client, refresh_token: str) -> httpx.Response:
    return httpx.post(f"{flow.base}/api/v1/oauth/token", auth=(client.client_id, client.client_secret),
                      data={"grant_type": "refresh_token", "refresh_token": refresh_token}, timeout=30)


def test_revoking_an_access_token(flow: Flow) -> None:
    client = flow.client("--grant-type", "refresh_token")
    tokens = flow.tokens(client=client)
    resp = _revoke(flow, client, tokens["access_token"], token_type_hint="access_token")
    assert resp.status_code == 200 and resp.content == b""
    assert resp.headers["cache-control"] == "no-store"
    assert _userinfo(flow, tokens["access_token"]) == 401
    assert _refresh(flow, client, tokens["refresh_token"]).status_code == 200


def test_revoking_a_refresh_token_ends_its_family(flow: Flow) -> None:
    client = flow.client("--grant-type", "refresh_token")
    tokens = flow.tokens(client=client)
    # A wrong hint is only a hint.
    assert _revoke(flow, client, tokens["refresh_token"], token_type_hint="access_token").status_code == 200
    assert _refresh(flow, client, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert _userinfo(flow, tokens["access_token"]) == 401


def test_another_clients_token_is_never_revoked(flow: Flow) -> None:
    owner = flow.client("--grant-type", "refresh_token")
    other = flow.client("--grant-type", "refresh_token")
    tokens = flow.tokens(client=owner)
    assert _revoke(flow, other, tokens["access_token"]).status_code == 200
    assert _revoke(flow, other, tokens["refresh_token"]).status_code == 200
    assert _userinfo(flow, tokens["access_token"]) == 200
    assert _refresh(flow, owner, tokens["refresh_token"]).status_code == 200


def test_unknown_tokens_and_client_authentication(flow: Flow) -> None:
    client = flow.client()
    for token in ("never-issued", "a.b.c"):
        assert _revoke(flow, client, token).status_code == 200
    missing = httpx.post(f"{flow.base}{REVOKE}", auth=(client.client_id, client.client_secret), data={},
                         timeout=30)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    anonymous = httpx.post(f"{flow.base}{REVOKE}", data={"token": "x"}, timeout=30)
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "invalid_client"
    assert "www-authenticate" in anonymous.headers
