"""Refresh tokens through the gateway (RFC 6749 §6, RFC 9700 §4.14.2): every use rotates,
a rotated token presented again kills its family and every access token it issued, one
token raced by twenty requests has one winner, scope narrows but never widens, and a
logout ends refreshing."""

from __future__ import annotations

import threading

import httpx
from flowkit import Flow

TOKEN = "/api/v1/oauth/token"
USERINFO = "/api/v1/userinfo/me"


def _refresh(flow: Flow, client, refresh_token: str, **extra: str) -> httpx.Response:
    return httpx.post(f"{flow.base}{TOKEN}", auth=(client.client_id, client.client_secret), timeout=30,
                      data={"grant_type": "refresh_token", "refresh_token": refresh_token, **extra})


def _userinfo(flow: Flow, access: str) -> int:
    return httpx.get(f"{flow.base}{USERINFO}", headers={"Authorization": f"Bearer {access}"},
                     timeout=30).status_code


def _refreshing_client(flow: Flow):
    return flow.client("--grant-type", "refresh_token")


def test_every_use_rotates(flow: Flow) -> None:
    client = _refreshing_client(flow)
    first = flow.tokens(client=client)
    assert first["refresh_token"]
    resp = _refresh(flow, client, first["refresh_token"])
    assert resp.status_code == 200, resp.text
    assert resp.headers["cache-control"] == "no-store"
    second = resp.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["scope"] == first["scope"] and second["token_type"] == "Bearer"
    assert _userinfo(flow, second["access_token"]) == 200
    assert _refresh(flow, client, second["refresh_token"]).status_code == 200


def test_a_client_without_the_grant_gets_no_refresh_token(flow: Flow) -> None:
    assert "refresh_token" not in flow.tokens()


def test_reuse_kills_the_family_and_its_access_tokens(flow: Flow) -> None:
    client = _refreshing_client(flow)
    first = flow.tokens(client=client)
    second = _refresh(flow, client, first["refresh_token"]).json()
    assert _userinfo(flow, second["access_token"]) == 200

    replay = _refresh(flow, client, first["refresh_token"])
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert _refresh(flow, client, second["refresh_token"]).json()["error"] == "invalid_grant"
    assert _userinfo(flow, first["access_token"]) == 401
    assert _userinfo(flow, second["access_token"]) == 401
    introspection = httpx.post(f"{flow.base}/api/v1/oauth/introspect", timeout=30,
                               auth=(client.client_id, client.client_secret),
                               data={"token": second["access_token"]})
    assert introspection.json() == {"active": False}


def test_twenty_concurrent_refreshes_have_one_winner(flow: Flow) -> None:
    client = _refreshing_client(flow)
    raw = flow.tokens(client=client)["refresh_token"]
    barrier, statuses = threading.Barrier(20), []

    def attempt() -> None:
        barrier.wait()
        statuses.append(_refresh(flow, client, raw).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(statuses) == [200] + [400] * 19


def test_scope_narrows_but_never_widens(flow: Flow) -> None:
    client = _refreshing_client(flow)
    first = flow.tokens(client=client, scope="openid read")
    wide = _refresh(flow, client, first["refresh_token"], scope="openid read write")
    assert wide.status_code == 400 and wide.json()["error"] == "invalid_scope"
    narrow = _refresh(flow, client, first["refresh_token"], scope="read")
    assert narrow.status_code == 200 and narrow.json()["scope"] == "read"
    assert _refresh(flow, client, narrow.json()["refresh_token"]).json()["scope"] == "openid read"


def test_another_client_cannot_refresh(flow: Flow) -> None:
    client, thief = _refreshing_client(flow), _refreshing_client(flow)
    first = flow.tokens(client=client)
    assert _refresh(flow, thief, first["refresh_token"]).json()["error"] == "invalid_grant"
    assert _refresh(flow, client, first["refresh_token"]).status_code == 200


def test_logout_ends_refreshing(flow: Flow) -> None:
    client = flow.client("--grant-type", "refresh_token", scopes="openid read account")
    first = flow.tokens(client=client, scope="openid read account")
    logout = httpx.post(f"{flow.base}/api/v1/logout", timeout=30,
                        headers={"Authorization": f"Bearer {first['access_token']}"})
    assert logout.status_code in (200, 204), logout.text
    resp = _refresh(flow, client, first["refresh_token"])
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_grant"
