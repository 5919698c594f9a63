"""The admin API's sessions, signing keys and audit trail through the gateway (issue 17):
each refuses no token (401) and a token without its scope or for another audience (403);
an admin client ends a user's sessions and their access token is refused at once, rotates
the signing keys (the JWKS shows the new key, new tokens carry it), and reads the audit
trail of all four services, where its changes show with it as the actor."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterator

import httpx
import pytest
from flowkit import AppClient, Flow, client_token, eventually, service_client

SESSIONS, KEYS, AUDIT = "/api/v1/admin/sessions", "/api/v1/admin/keys", "/api/v1/admin/audit"
PROBLEM = "application/problem+json"
SCOPES = ("admin:sessions", "admin:keys", "admin:audit", "admin:users")


@pytest.fixture(scope="module")
def admin_client(flow: Flow) -> AppClient:
    return service_client(flow, " ".join(SCOPES), "--admin")


@pytest.fixture(scope="module")
def admin(flow: Flow, admin_client: AppClient) -> Iterator[dict[str, httpx.Client]]:
    """One HTTP client per admin scope, each with a token carrying only that scope."""
    apps = {}
    for scope in SCOPES:
        resp = client_token(flow, admin_client, scope)
        assert resp.status_code == 200, resp.text
        apps[scope] = httpx.Client(base_url=flow.base, timeout=30,
                                   headers={"Authorization": f"Bearer {resp.json()['access_token']}"})
    yield apps
    for app in apps.values():
        app.close()


def _kid(token: str) -> str:
    header = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]


def _userinfo(flow: Flow, access: str) -> int:
    return httpx.get(f"{flow.base}/api/v1/userinfo/me", headers={"Authorization": f"Bearer {access}"},
                     timeout=30).status_code


ROUTES = [("GET", f"{SESSIONS}?user_id=00000000-0000-4000-8000-000000000000", "admin:sessions"),
          ("DELETE", f"{SESSIONS}/nosuch", "admin:sessions"), ("GET", KEYS, "admin:keys"),
          ("POST", f"{KEYS}/rotate", "admin:keys"), ("GET", AUDIT, "admin:audit")]


def test_no_token_401_another_scope_or_audience_403(flow: Flow, admin) -> None:
    plain = client_token(flow, service_client(flow, "read"), "read")  # the resource API's audience
    assert plain.status_code == 200, plain.text
    with httpx.Client(base_url=flow.base, timeout=30) as app:
        for method, path, scope in ROUTES:
            resp = app.request(method, path)
            assert resp.status_code == 401, (path, resp.text)
            assert resp.headers["content-type"] == PROBLEM and resp.json()["error"] == "invalid_token"
            assert resp.headers["www-authenticate"] == 'Bearer realm="authgate"'
            others = [admin[s].headers["authorization"] for s in SCOPES if s != scope][:1]
            for bearer in [*others, f"Bearer {plain.json()['access_token']}"]:
                resp = app.request(method, path, headers={"Authorization": bearer})
                assert resp.status_code == 403, (path, resp.text)
                assert resp.json()["error"] == "insufficient_scope"
                assert f'scope="{scope}"' in resp.headers["www-authenticate"]


def test_ending_a_users_sessions_refuses_their_tokens_at_once(flow: Flow, admin, admin_client) -> None:
    sessions = admin["admin:sessions"]
    user, client = flow.user(), flow.client()
    sid, access = flow.device(client, user)
    other_sid, other_access = flow.device(client, user)
    listed = sessions.get(SESSIONS, params={"user_id": user.id})
    assert listed.status_code == 200, listed.text
    assert {s["sid"] for s in listed.json()["sessions"]} == {sid, other_sid}
    assert sessions.get(f"{SESSIONS}/{sid}").json()["user_id"] == user.id
    assert _userinfo(flow, access) == 200
    assert sessions.delete(f"{SESSIONS}/{sid}").status_code == 204
    eventually(lambda: _userinfo(flow, access) == 401, "the ended session's token refused", seconds=1.0)
    assert _userinfo(flow, other_access) == 200  # the user's other device is untouched
    ended = sessions.delete(SESSIONS, params={"user_id": user.id})
    assert ended.status_code == 200 and ended.json()["revoked"] == [other_sid]
    eventually(lambda: _userinfo(flow, other_access) == 401, "every token of the user refused", seconds=1.0)
    assert sessions.get(SESSIONS, params={"user_id": user.id}).json() == {"sessions": []}
    trail = admin["admin:audit"].get(AUDIT, params={"type": "admin.session.revoked", "subject": user.id})
    assert trail.status_code == 200, trail.text
    assert {(e["sid"], e["service"], e["actor"]) for e in trail.json()["events"]} == {
        (s, "session", f"client:{admin_client.client_id}") for s in (sid, other_sid)}


def test_rotation_publishes_and_signs_with_the_new_key(flow: Flow, admin, admin_client) -> None:
    keys = admin["admin:keys"]
    listed = keys.get(KEYS)
    assert listed.status_code == 200 and {k["state"] for k in listed.json()["keys"]} >= {"current", "next"}
    assert all(set(k) == {"kid", "alg", "state", "created_at", "activated_at", "retired_at",
                          "published_until"} for k in listed.json()["keys"])
    early = keys.post(f"{KEYS}/rotate")
    if early.status_code == 409:  # the next key is not in every cached JWKS yet
        assert early.json()["error"] == "rotation_not_due" and int(early.headers["retry-after"]) >= 1
    rotated = early if early.status_code == 200 else keys.post(f"{KEYS}/rotate", params={"force": "true"})
    assert rotated.status_code == 200, rotated.text
    current = rotated.json()["current_kid"]
    jwks = httpx.get(f"{flow.base}/.well-known/jwks.json", timeout=30).json()
    assert current in {k["kid"] for k in jwks["keys"]}
    eventually(lambda: _kid(client_token(flow, admin_client, "admin:keys").json()["access_token"]) == current,
               "every token replica signs with the new key", seconds=5.0)
    trail = admin["admin:audit"].get(AUDIT, params={"type": "admin.key.rotated", "limit": 5})
    mine = [e for e in trail.json()["events"] if e["details"].get("kid") == current]
    assert [(e["service"], e["actor"], e["client_id"]) for e in mine] == [
        ("token", f"client:{admin_client.client_id}", admin_client.client_id)]


def test_an_admin_change_shows_in_the_audit_trail_with_the_acting_client(flow: Flow, admin,
                                                                        admin_client) -> None:
    name = "ops" + secrets.token_hex(5)
    created = admin["admin:users"].post("/api/v1/admin/users", json={
        "username": name, "email": f"{name}@example.com", "password": "correct horse battery"})
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]
    audit = admin["admin:audit"]
    page = audit.get(AUDIT, params={"type": "admin.user.*", "subject": user_id})
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store", page.text
    events = page.json()["events"]
    assert [(e["type"], e["service"], e["actor"], e["client_id"]) for e in events] == [
        ("admin.user.created", "identity", f"client:{admin_client.client_id}", admin_client.client_id)]
    # By who acted: every event of this admin client is its own, from whichever service.
    acting = audit.get(AUDIT, params={"actor": f"client:{admin_client.client_id}", "limit": 200})
    assert acting.status_code == 200, acting.text
    assert user_id in {e["subject"] for e in acting.json()["events"]}
    assert {e["actor"] for e in acting.json()["events"]} == {f"client:{admin_client.client_id}"}
    # Paging over the whole trail, newest first, by the Link header.
    first = audit.get(AUDIT, params={"limit": 2})
    assert first.status_code == 200 and len(first.json()["events"]) == 2
    link = first.headers["link"].partition(">")[0].lstrip("<")
    second = audit.get(link)
    assert second.status_code == 200, second.text
    older = second.json()["events"][0]
    assert older["time"] <= first.json()["events"][-1]["time"]
    assert audit.get(AUDIT, params={"since": "yesterday"}).status_code == 400
