"""The admin users API through the gateway (issue 17): /api/v1/admin/users refuses no
token (401), a token without `admin:users` or for another audience (403), and works for
an admin client's client_credentials token: create, read with its ETag, PATCH under
If-Match, delete — which ends the user's sessions, so their access token is refused at
once — each change in the audit trail with the acting client."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from collections.abc import Iterator

import httpx
import pytest
from authgate_devstack.stack import Stack
from flowkit import AUTHGATE, AppClient, Flow, client_token, eventually, service_client

USERS = "/api/v1/admin/users"
PROBLEM = "application/problem+json"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def admin_client(flow: Flow) -> AppClient:
    return service_client(flow, "admin:users", "--admin")


@pytest.fixture(scope="module")
def admin(flow: Flow, admin_client: AppClient) -> Iterator[httpx.Client]:
    resp = client_token(flow, admin_client, "admin:users")
    assert resp.status_code == 200, resp.text
    with httpx.Client(base_url=flow.base, timeout=30, headers=_bearer(resp.json()["access_token"])) as app:
        yield app


def test_no_token_is_401_with_the_bare_challenge(flow: Flow) -> None:
    with httpx.Client(base_url=flow.base, timeout=30) as app:
        for method, path in [("GET", USERS), ("POST", USERS), ("DELETE", f"{USERS}/{secrets.token_hex(4)}")]:
            resp = app.request(method, path)
            assert resp.status_code == 401, resp.text
            assert resp.headers["content-type"] == PROBLEM and resp.json()["error"] == "invalid_token"
            assert resp.headers["www-authenticate"] == 'Bearer realm="authgate"'
        forged = app.get(USERS, headers=_bearer("not.a.token"))
        assert forged.status_code == 401 and 'error="invalid_token"' in forged.headers["www-authenticate"]


def test_a_token_without_the_admin_scope_or_audience_is_403(flow: Flow, admin_client: AppClient) -> None:
    plain = service_client(flow, "read")
    token = client_token(flow, plain, "read")
    assert token.status_code == 200, token.text  # the resource API's token: another audience
    other_scope = client_token(flow, service_client(flow, "admin:clients", "--admin"), "admin:clients")
    assert other_scope.status_code == 200, other_scope.text
    with httpx.Client(base_url=flow.base, timeout=30) as app:
        for access in (token.json()["access_token"], other_scope.json()["access_token"]):
            resp = app.get(USERS, headers=_bearer(access))
            assert resp.status_code == 403, resp.text
            assert resp.json()["error"] == "insufficient_scope"
            assert 'scope="admin:users"' in resp.headers["www-authenticate"]


def test_a_client_that_is_not_an_admin_client_cannot_get_the_scope(flow: Flow) -> None:
    refused = flow.cli("client", "create", "--client-id", "adm" + secrets.token_hex(5), "--grant-type",
                       "client_credentials", "--scope", "admin:users", check=False)
    assert refused == {}  # only an admin client may be registered with an admin scope


def test_create_read_and_patch_with_etags(admin: httpx.Client) -> None:
    name = "adm" + secrets.token_hex(5)
    created = admin.post(USERS, json={"username": name, "email": f"{name}@example.com",
                                      "password": "correct horse battery", "name": "Ada"})
    assert created.status_code == 201, created.text
    location, etag = created.headers["location"], created.headers["etag"]
    got = admin.get(location)
    assert got.status_code == 200 and got.headers["etag"] == etag and got.json()["username"] == name
    assert admin.patch(location, json={"name": "Ada L."}).status_code == 428
    stale = admin.patch(location, json={"name": "Ada L."}, headers={"If-Match": '"999"'})
    assert stale.status_code == 412 and stale.headers["content-type"] == PROBLEM
    changed = admin.patch(location, json={"name": "Ada L."}, headers={"If-Match": etag})
    assert changed.status_code == 200 and changed.json()["name"] == "Ada L."
    assert changed.headers["etag"] != etag and admin.get(location).headers["etag"] == changed.headers["etag"]
    assert admin.post(USERS, json={"username": name.upper(), "email": f"x{name}@example.com",
                                   "password": "correct horse battery"}).status_code == 409
    listed = admin.get(USERS, params={"username": name})
    assert [u["id"] for u in listed.json()["users"]] == [created.json()["id"]]


def test_delete_ends_the_users_sessions_and_tokens_at_once(flow: Flow, admin: httpx.Client,
                                                           admin_client: AppClient, stack: Stack) -> None:
    user = flow.user()
    client = flow.client()
    access = flow.tokens(user, client)["access_token"]
    userinfo = f"{flow.base}/api/v1/userinfo/me"
    assert httpx.get(userinfo, headers=_bearer(access), timeout=30).status_code == 200
    resp = admin.delete(f"{USERS}/{user.id}")
    assert resp.status_code == 204, resp.text
    eventually(lambda: httpx.get(userinfo, headers=_bearer(access), timeout=30).status_code == 401,
               "the deleted user's access token refused", seconds=1.0)
    assert admin.get(f"{USERS}/{user.id}").status_code == 404
    with flow.browser() as browser:
        again = browser.post("/api/v1/sso/login", json={"username": user.username, "password": user.password})
        assert again.status_code == 401

    audit = subprocess.run([AUTHGATE, "audit", "--user", user.id, "--json"], capture_output=True, text=True,
                           env={**os.environ, **stack.cli_env()}, cwd=stack.workdir, timeout=60)
    assert audit.returncode == 0, audit.stderr
    deleted = [e for e in json.loads(audit.stdout) if e["type"] == "admin.user.deleted"]
    assert [(e["actor"], e["client_id"]) for e in deleted] == [
        (f"client:{admin_client.client_id}", admin_client.client_id)]
