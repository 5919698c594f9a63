"""/api/v1/admin/users on PostgreSQL through the real HTTP app, bearer tokens checked by a
stand-in TokenService: RFC 6750 refusals, RFC 9457 problems, paging, ETag/If-Match,
delete ending the user's sessions, every change audited with the acting client."""

from __future__ import annotations

import json
import uuid

import pytest
from authgate.audit.v1 import audit_pb2 as apb

USERS = "/api/v1/admin/users"
PROBLEM = "application/problem+json"
PASSWORD = "correct horse battery"


@pytest.fixture
def admin(harness) -> dict[str, str]:
    audience = f"{harness.settings.issuer}/api/v1/admin"
    return {"Authorization": "Bearer " + harness.tokens.add("ops-bot", "admin:users", audience)}


def _new(**extra: object) -> dict[str, object]:
    name = "adm" + uuid.uuid4().hex[:10]
    return {"username": name, "email": f"{name}@example.com", "password": PASSWORD, **extra}


def _create(harness, admin, **extra: object):
    resp = harness.http.post(USERS, json=_new(**extra), headers=admin)
    assert resp.status_code == 201, resp.text
    return resp


def _problem(resp, status: int, error: str) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == PROBLEM
    body = resp.json()
    assert (body["status"], body["error"], body["type"]) == (status, error, "about:blank")
    assert body["title"] and isinstance(body.get("detail"), str)
    return body


def test_no_token_gets_the_bare_challenge_on_every_route(harness) -> None:
    some = str(uuid.uuid4())
    for method, path in [("GET", USERS), ("POST", USERS), ("GET", f"{USERS}/{some}"),
                         ("PATCH", f"{USERS}/{some}"), ("DELETE", f"{USERS}/{some}"),
                         ("POST", f"{USERS}/{some}/disable"), ("POST", f"{USERS}/{some}/password")]:
        resp = harness.http.request(method, path, content=b"{not json", headers={"content-type": "text/x"})
        _problem(resp, 401, "invalid_token")  # before the body is even read
        assert resp.headers["www-authenticate"] == 'Bearer realm="authgate"'


def test_a_bad_token_is_401_and_the_wrong_scope_or_audience_403(harness) -> None:
    resp = harness.http.get(USERS, headers={"Authorization": "Bearer forged"})
    _problem(resp, 401, "invalid_token")
    assert 'error="invalid_token"' in resp.headers["www-authenticate"]
    admin_api = f"{harness.settings.issuer}/api/v1/admin"
    for scopes, audience in [("admin:clients", admin_api), ("admin:users", "urn:authgate:api")]:
        token = harness.tokens.add("ops-bot", scopes, audience)
        resp = harness.http.get(USERS, headers={"Authorization": f"Bearer {token}"})
        _problem(resp, 403, "insufficient_scope")
        assert 'scope="admin:users"' in resp.headers["www-authenticate"]


def test_create_then_read_with_location_and_etag(harness, admin) -> None:
    created = _create(harness, admin, name="Ada L.")
    body = created.json()
    assert created.headers["location"] == f"{USERS}/{body['id']}" and created.headers["etag"] == '"1"'
    assert "password" not in json.dumps(body) and body["name"] == "Ada L." and body["disabled"] is False
    got = harness.http.get(created.headers["location"], headers=admin)
    assert got.status_code == 200 and got.json() == body and got.headers["etag"] == '"1"'
    assert got.headers["cache-control"] == "no-store"


def test_bad_input_is_a_400_409_or_415_problem_never_a_500(harness, admin) -> None:
    taken = _create(harness, admin).json()
    _problem(harness.http.post(USERS, json=_new(username=taken["username"].upper()), headers=admin),
             409, "already_exists")
    for bad in [{"username": "x"}, {**_new(), "role": "root"}, {**_new(), "email": 5}, _new(email="nope"),
                _new(password="short"), [1, 2]]:
        _problem(harness.http.post(USERS, json=bad, headers=admin), 400, "invalid_request")
    as_json = {**admin, "content-type": "application/json"}
    _problem(harness.http.post(USERS, content=b'{"username": ', headers=as_json), 400, "invalid_request")
    _problem(harness.http.post(USERS, data={"username": "x"}, headers=admin), 415, "invalid_request")
    for query in ("limit=0", "limit=201", "limit=abc", "cursor=bm90LWEtY3Vyc29y", "disabled=maybe"):
        _problem(harness.http.get(f"{USERS}?{query}", headers=admin), 400, "invalid_request")


def test_unknown_users_are_404(harness, admin) -> None:
    for user_id in (str(uuid.uuid4()), "not-a-uuid"):
        _problem(harness.http.get(f"{USERS}/{user_id}", headers=admin), 404, "not_found")
        _problem(harness.http.delete(f"{USERS}/{user_id}", headers=admin), 404, "not_found")
        _problem(harness.http.post(f"{USERS}/{user_id}/enable", headers=admin), 404, "not_found")


def test_pages_chain_by_cursor_over_every_user_once(harness, admin) -> None:
    mine = [_create(harness, admin).json()["id"] for _ in range(3)]
    seen: list[str] = []
    url, pages = f"{USERS}?limit=2", 0
    while url:
        resp = harness.http.get(url, headers=admin)
        assert resp.status_code == 200, resp.text
        page = resp.json()
        seen += [u["id"] for u in page["users"]]
        pages += 1
        assert ("link" in resp.headers) == (page["next_cursor"] is not None)
        url = resp.headers.get("link", "").partition(">")[0].lstrip("<")
    assert len(seen) == len(set(seen)) and pages >= 2
    assert [i for i in seen if i in mine] == mine  # oldest first


def test_filters(harness, admin) -> None:
    user = _create(harness, admin).json()
    by_name = harness.http.get(USERS, params={"username": user["username"].upper()}, headers=admin).json()
    by_email = harness.http.get(USERS, params={"email": user["email"]}, headers=admin).json()
    assert [u["id"] for u in by_name["users"]] == [u["id"] for u in by_email["users"]] == [user["id"]]
    harness.http.post(f"{USERS}/{user['id']}/disable", headers=admin)
    disabled = harness.http.get(USERS, params={"email": user["email"], "disabled": "true"}, headers=admin)
    enabled = harness.http.get(USERS, params={"email": user["email"], "disabled": "false"}, headers=admin)
    assert len(disabled.json()["users"]) == 1 and enabled.json()["users"] == []


def test_patch_needs_if_match_and_the_current_etag(harness, admin) -> None:
    user = _create(harness, admin).json()
    path = f"{USERS}/{user['id']}"
    _problem(harness.http.patch(path, json={"name": "N"}, headers=admin), 428, "precondition_required")
    _problem(harness.http.patch(path, json={"name": "N"}, headers={**admin, "If-Match": '"9"'}),
             412, "precondition_failed")
    _problem(harness.http.patch(path, json={"name": "N"}, headers={**admin, "If-Match": 'W/"1"'}),
             412, "precondition_failed")  # If-Match compares strongly
    merge_patch = {**admin, "If-Match": '"1"', "content-type": "application/merge-patch+json"}
    resp = harness.http.patch(path, content=json.dumps({"name": "New Name", "family_name": None}),
                              headers=merge_patch)
    assert resp.status_code == 200 and resp.json()["name"] == "New Name" and resp.headers["etag"] == '"2"'
    assert harness.http.get(path, headers=admin).headers["etag"] == '"2"'
    _problem(harness.http.patch(path, json={"name": "Again"}, headers={**admin, "If-Match": '"1"'}),
             412, "precondition_failed")
    _problem(harness.http.patch(path, json={"email": None}, headers={**admin, "If-Match": "*"}),
             400, "invalid_request")
    other = _create(harness, admin).json()
    _problem(harness.http.patch(path, json={"email": other["email"]}, headers={**admin, "If-Match": "*"}),
             409, "already_exists")


def test_disable_enable_unlock_and_password(harness, admin) -> None:
    user = _create(harness, admin).json()
    path = f"{USERS}/{user['id']}"
    disabled = harness.http.post(f"{path}/disable", headers=admin)
    assert disabled.json()["disabled"] is True and disabled.headers["etag"] == '"2"'
    assert user["id"] in harness.sessions.revoked_users
    stale, current = {**admin, "If-Match": '"1"'}, {**admin, "If-Match": '"2"'}
    _problem(harness.http.post(f"{path}/enable", headers=stale), 412, "precondition_failed")
    assert harness.http.post(f"{path}/enable", headers=current).json()["disabled"] is False
    assert harness.http.post(f"{path}/unlock", headers=admin).status_code == 200
    short = harness.http.post(f"{path}/password", json={"password": "x"}, headers=admin)
    _problem(short, 400, "invalid_request")
    resp = harness.http.post(f"{path}/password", json={"password": "another fine secret"}, headers=admin)
    assert resp.status_code == 204 and resp.headers["etag"] == '"4"'
    login = harness.http.post("/api/v1/sso/login", json={"username": user["username"],
                                                          "password": "another fine secret"})
    assert login.status_code == 200


def test_delete_ends_the_users_sessions_and_is_audited(harness, admin) -> None:
    user = _create(harness, admin).json()
    path = f"{USERS}/{user['id']}"
    harness.http.patch(path, json={"given_name": "G"}, headers={**admin, "If-Match": "*"})
    resp = harness.http.delete(path, headers=admin)
    assert resp.status_code == 204 and user["id"] in harness.sessions.revoked_users
    _problem(harness.http.get(path, headers=admin), 404, "not_found")
    events = harness.audit.ListAuditEvents(apb.ListAuditEventsRequest(user=user["id"]), timeout=10).events
    assert [(e.type, e.actor, e.client_id) for e in reversed(events)] == [
        ("admin.user.created", "client:ops-bot", "ops-bot"),
        ("admin.user.updated", "client:ops-bot", "ops-bot"),
        ("admin.user.deleted", "client:ops-bot", "ops-bot"),
    ]
    assert PASSWORD not in str(events)
