"""An upstream API behind the gateway's ext_authz (issue 3 §7): the example resource API at
/api/v1/example/* needs `read` for GET, `write` for POST and `admin` for /admin. RFC 6750:
no or bad token → 401 with a Bearer challenge, missing scope → 403 insufficient_scope; the
verified identity reaches the upstream and a client can never spoof it."""

from __future__ import annotations

import time

import httpx
import pytest
from authgate_devstack.stack import Stack
from flowkit import Flow

ITEMS = "/api/v1/example/items"


def _get(flow: Flow, path: str, token: str | None = None, **headers: str) -> httpx.Response:
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.get(f"{flow.base}{path}", headers=headers, timeout=30)


@pytest.fixture(scope="module")
def reader(flow: Flow) -> dict:
    return flow.tokens(scope="openid read")


def test_no_token_is_401_with_a_bare_challenge(flow: Flow) -> None:
    resp = _get(flow, ITEMS)
    assert resp.status_code == 401
    assert resp.headers["www-authenticate"].startswith("Bearer")
    assert "error=" not in resp.headers["www-authenticate"]


def test_bad_token_is_401_invalid_token(flow: Flow) -> None:
    resp = _get(flow, ITEMS, "not.a.jwt")
    assert resp.status_code == 401
    assert 'error="invalid_token"' in resp.headers["www-authenticate"]
    assert resp.json()["error"] == "invalid_token"


def test_scope_per_method_and_route(flow: Flow, reader: dict) -> None:
    ok = _get(flow, ITEMS, reader["access_token"])
    assert ok.status_code == 200, ok.text
    post = httpx.post(f"{flow.base}{ITEMS}", json={"name": "x"}, timeout=30,
                      headers={"Authorization": f"Bearer {reader['access_token']}"})
    assert post.status_code == 403
    assert 'error="insufficient_scope"' in post.headers["www-authenticate"]
    admin = _get(flow, "/api/v1/example/admin", reader["access_token"])
    assert admin.status_code == 403 and admin.json()["error"] == "insufficient_scope"


def test_writer_may_post(flow: Flow) -> None:
    writer = flow.tokens(scope="openid write")
    resp = httpx.post(f"{flow.base}{ITEMS}", json={"name": "x"}, timeout=30,
                      headers={"Authorization": f"Bearer {writer['access_token']}"})
    assert resp.status_code in (200, 201), resp.text


def test_upstream_gets_the_verified_identity_and_spoofing_is_stripped(flow: Flow, reader: dict) -> None:
    user = flow.user()
    tokens = flow.tokens(user=user, scope="openid read")
    resp = _get(flow, ITEMS, tokens["access_token"], **{
        "x-auth-sub": "admin-spoof", "x-auth-scope": "admin", "x-auth-client-id": "evil",
        "x-auth-acr": "urn:authgate:acr:mfa", "x-auth-amr": "pwd otp mfa"})
    assert resp.status_code == 200
    echoed = resp.json()
    flat = str(echoed)
    assert user.id in flat and "admin-spoof" not in flat and "evil" not in flat
    # How the user signed in comes from the token (a password), never from the request.
    assert echoed["acr"] == "urn:authgate:acr:pwd" and echoed["amr"] == "pwd"
    # Without a token the spoofed headers never reach the upstream either: 401 at the gateway.
    assert _get(flow, ITEMS, **{"x-auth-sub": "admin-spoof"}).status_code == 401


def test_a_client_cannot_name_the_checks_it_is_held_to(flow: Flow, reader: dict) -> None:
    """The route's scope and audience reach the check as headers the gateway adds; the same
    headers from a client are not forwarded to it (only `authorization` is)."""
    spoof = {"x-authgate-required-scopes": "read", "x-authgate-audience": ""}
    post = httpx.post(f"{flow.base}{ITEMS}", json={"name": "x"}, timeout=30,
                      headers={"Authorization": f"Bearer {reader['access_token']}", **spoof})
    assert post.status_code == 403 and post.json()["error"] == "insufficient_scope"
    admin = _get(flow, "/api/v1/example/admin", reader["access_token"], **spoof)
    assert admin.status_code == 403


def test_head_is_checked_like_get(flow: Flow, reader: dict) -> None:
    bearer = {"Authorization": f"Bearer {reader['access_token']}"}
    for _ in range(3):  # denials and answers alternate on the gateway's kept connections
        assert httpx.head(f"{flow.base}{ITEMS}", timeout=30).status_code == 401
        # Allowed: the example API's own answer (it serves no HEAD: 405), past the check.
        assert httpx.head(f"{flow.base}{ITEMS}", headers=bearer, timeout=30).status_code == 405
        assert _get(flow, ITEMS, reader["access_token"]).status_code == 200


def test_token_service_unreachable_is_503_never_allowed(flow: Flow, stack: Stack, reader: dict) -> None:
    names = [n for n in stack.procs if n == "token" or n.startswith("token-")]
    for name in names:
        stack.stop_process(name)
    try:
        resp = _get(flow, ITEMS, reader["access_token"])
        assert resp.status_code == 503
    finally:
        for i in range(len(stack.ports.http["token"])):
            stack.start_service("token", i)
        stack.wait_ready(60)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _get(flow, ITEMS, reader["access_token"]).status_code != 200:
            time.sleep(0.2)
    assert _get(flow, ITEMS, reader["access_token"]).status_code == 200
