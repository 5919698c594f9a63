"""The example API echoes the identity the gateway vouched for, and refuses requests that
did not come through it (no x-auth-sub)."""

from __future__ import annotations

import pytest
from example_api.app import create_app
from fastapi.testclient import TestClient

VERIFIED = {"x-auth-sub": "u1", "x-auth-scope": "read write", "x-auth-sid": "sid-1",
            "x-auth-client-id": "web", "x-auth-acr": "urn:authgate:acr:pwd", "x-auth-amr": "pwd",
            "x-auth-cnf-jkt": "jkt-1"}


@pytest.fixture
def client() -> TestClient:
    return TestClient(create_app())


@pytest.mark.parametrize(("method", "path", "action"), [
    ("GET", "/api/v1/example/items", "list items"),
    ("POST", "/api/v1/example/items", "create item"),
    ("GET", "/api/v1/example/admin", "admin"),
])
def test_routes_echo_the_verified_identity(client, method, path, action) -> None:
    resp = client.request(method, path, headers=VERIFIED)
    assert resp.status_code == 200
    assert resp.json() == {"action": action, "sub": "u1", "scope": "read write", "sid": "sid-1",
                           "client_id": "web", "acr": "urn:authgate:acr:pwd", "amr": "pwd",
                           "cnf_jkt": "jkt-1"}


def test_without_the_gateways_headers_it_answers_401(client) -> None:
    resp = client.get("/api/v1/example/items")
    assert resp.status_code == 401 and resp.headers["www-authenticate"] == 'Bearer realm="authgate"'


def test_health(client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
