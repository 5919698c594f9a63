"""The admin API's clients and consents through the gateway (issue 17).

/api/v1/admin/clients refuses no token (401) and a token without `admin:clients` (403),
and for an admin client's token registers a client (its secret shown once), reads it with
its ETag, changes it under If-Match, rotates its secret — the old one fails at /token at
once — and deletes it, after which it gets no token. /api/v1/admin/consents lists the
approval a user gave through the code flow and withdraws it: the next /authorize asks
again. Each change is in the audit trail with the acting client."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator

import httpx
import pytest
from authgate_devstack.stack import Stack
from flowkit import (
    AUTHGATE,
    AppClient,
    Flow,
    client_token,
    consented_tokens,
    eventually,
    pkce_pair,
    service_client,
)

CLIENTS, CONSENTS = "/api/v1/admin/clients", "/api/v1/admin/consents"
PROBLEM = "application/problem+json"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _audit(stack: Stack, *args: str) -> list[dict]:
    out = subprocess.run([AUTHGATE, "audit", *args, "--json"], capture_output=True, text=True,
                         env={**os.environ, **stack.cli_env()}, cwd=stack.workdir, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def admin_client(flow: Flow) -> AppClient:
    return service_client(flow, "admin:clients admin:consents", "--admin")


@pytest.fixture(scope="module")
def admin(flow: Flow, admin_client: AppClient) -> Iterator[httpx.Client]:
    resp = client_token(flow, admin_client, "admin:clients admin:consents")
    assert resp.status_code == 200, resp.text
    with httpx.Client(base_url=flow.base, timeout=30, headers=_bearer(resp.json()["access_token"])) as app:
        yield app


def test_no_token_is_401_and_a_token_without_the_scope_403(flow: Flow) -> None:
    with httpx.Client(base_url=flow.base, timeout=30) as app:
        for method, path in [("GET", CLIENTS), ("POST", CLIENTS), ("GET", f"{CONSENTS}?user_id=x")]:
            resp = app.request(method, path)
            assert resp.status_code == 401, resp.text
            assert resp.headers["content-type"] == PROBLEM and resp.json()["error"] == "invalid_token"
            assert resp.headers["www-authenticate"] == 'Bearer realm="authgate"'
        users_only = client_token(flow, service_client(flow, "admin:users", "--admin"), "admin:users")
        plain = client_token(flow, service_client(flow, "read"), "read")
        for token in (users_only, plain):
            assert token.status_code == 200, token.text
            resp = app.get(CLIENTS, headers=_bearer(token.json()["access_token"]))
            assert resp.status_code == 403 and resp.json()["error"] == "insufficient_scope"
            assert 'scope="admin:clients"' in resp.headers["www-authenticate"]


def test_a_client_registered_changed_rotated_and_deleted(flow: Flow, admin: httpx.Client,
                                                         admin_client: AppClient, stack: Stack) -> None:
    created = admin.post(CLIENTS, json={"client_id": "svc-" + os.urandom(4).hex(), "name": "Billing",
                                        "grant_types": ["client_credentials"], "scopes": ["read"]})
    assert created.status_code == 201, created.text
    body, location = created.json(), created.headers["location"]
    service = AppClient(body["client_id"], body["client_secret"], "")
    assert client_token(flow, service, "read").status_code == 200
    got = admin.get(location)
    assert got.status_code == 200 and "client_secret" not in got.json() and got.headers["etag"] == '"1"'
    marked = admin.post(CLIENTS, json={"client_id": "x" + os.urandom(4).hex(), "admin": True})
    assert marked.status_code == 400 and marked.json()["error"] == "invalid_request"

    assert admin.patch(location, json={"name": "Billing 2"}).status_code == 428
    assert admin.patch(location, json={"name": "Billing 2"}, headers={"If-Match": '"9"'}).status_code == 412
    changed = admin.patch(location, json={"name": "Billing 2"}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200 and changed.json()["name"] == "Billing 2"

    rotated = admin.post(f"{location}/secret", headers={"If-Match": changed.headers["etag"]})
    assert rotated.status_code == 200, rotated.text
    new = AppClient(service.client_id, rotated.json()["client_secret"], "")
    eventually(lambda: client_token(flow, service, "read").status_code == 401, "the old secret refused", 1.0)
    access = client_token(flow, new, "read")
    assert access.status_code == 200, access.text

    assert admin.delete(location, headers={"If-Match": '"2"'}).status_code == 412
    assert admin.delete(location, headers={"If-Match": rotated.headers["etag"]}).status_code == 204
    assert admin.get(location).status_code == 404
    eventually(lambda: client_token(flow, new, "read").status_code == 401, "the deleted client refused", 1.0)

    events = [e for e in _audit(stack, "--type", "admin.client.*") if e["client_id"] == service.client_id]
    assert sorted(e["type"] for e in events) == ["admin.client.changed", "admin.client.created",
                                                 "admin.client.deleted", "admin.client.secret_rotated"]
    assert {e["actor"] for e in events} == {f"client:{admin_client.client_id}"}


def test_a_consent_listed_and_withdrawn_asks_again(flow: Flow, admin: httpx.Client,
                                                   admin_client: AppClient, stack: Stack) -> None:
    user = flow.user()
    partner = flow.client("--grant-type", "refresh_token", "--name", "Partner", scopes="openid read",
                          first_party=False)
    with flow.browser() as browser:
        flow.login(browser, user)
        consented_tokens(flow, browser, partner)
        listed = admin.get(CONSENTS, params={"user_id": user.id})
        assert listed.status_code == 200, listed.text
        [consent] = listed.json()["consents"]
        assert (consent["client_id"], consent["client_name"], sorted(consent["scopes"])) == (
            partner.client_id, "Partner", ["openid", "read"])
        _, challenge = pkce_pair()
        assert flow.authorize(browser, partner, challenge=challenge, scope="openid read").status_code == 302

        withdrawn = admin.delete(f"{CONSENTS}/{user.id}/{partner.client_id}")
        assert withdrawn.status_code == 204, withdrawn.text
        assert admin.delete(f"{CONSENTS}/{user.id}/{partner.client_id}").status_code == 404
        again = flow.authorize(browser, partner, challenge=challenge, scope="openid read")
        assert again.status_code == 200 and 'name="decision"' in again.text  # the consent page
    assert admin.get(CONSENTS, params={"user_id": user.id}).json()["consents"] == []

    events = [e for e in _audit(stack, "--user", user.id) if e["type"] == "admin.consent.withdrawn"]
    assert [(e["actor"], e["client_id"]) for e in events] == [
        (f"client:{admin_client.client_id}", partner.client_id)]
