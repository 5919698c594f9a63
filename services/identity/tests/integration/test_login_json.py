"""JSON login at POST /api/v1/sso/login: 200 with the cookie, 401 access_denied for every
kind of failure, 400/415 for bodies that are not a login at all."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

LOGIN = "/api/v1/sso/login"


def test_json_login_returns_the_session_and_sets_the_cookie(harness) -> None:
    user = harness.user()
    client = TestClient(harness.service.http_app)
    resp = client.post(LOGIN, json={"username": user.username, "password": harness.password},
                       headers={"user-agent": "agent/" + "x" * 600, "x-forwarded-for": "198.51.100.4"})
    assert resp.status_code == 200 and resp.headers["cache-control"] == "no-store"
    body = resp.json()
    assert set(body) == {"sid", "user_id", "expires_at"} and body["user_id"] == user.id
    assert body["expires_at"].endswith("Z")
    assert client.cookies.get("sso_session") in harness.sessions.tokens
    request = harness.sessions.created[-1]
    assert request.client_ip == "198.51.100.4" and len(request.user_agent) == 512


def test_each_json_login_starts_a_new_session(harness) -> None:
    user = harness.user()
    client = TestClient(harness.service.http_app)
    creds = {"username": user.username, "password": harness.password}
    first = client.post(LOGIN, json=creds).json()["sid"]
    assert client.post(LOGIN, json=creds).json()["sid"] != first


def test_wrong_password_unknown_and_disabled_users_get_the_same_401(harness) -> None:
    user, disabled = harness.user(), harness.user()
    harness.service.use_cases.directory.disable(disabled.id)
    client = TestClient(harness.service.http_app)
    answers = [client.post(LOGIN, json={"username": name, "password": password}) for name, password in [
        (user.username, "wrong-password"), ("ghost-" + user.username, harness.password),
        (disabled.username, harness.password)]]
    assert {r.status_code for r in answers} == {401}
    assert all(r.json() == {"error": "access_denied", "error_description": "Wrong username or password."}
               for r in answers)
    assert all("sso_session" not in r.headers.get("set-cookie", "") for r in answers)


@pytest.mark.parametrize("body", [b"{nope", b"[]", b'"x"', b'{"username": "a"}',
                                  b'{"username": 1, "password": "x"}', b"\xff\xfe", b"[" * 5000])
def test_bad_json_is_invalid_request(harness, body: bytes) -> None:
    resp = TestClient(harness.service.http_app).post(LOGIN, content=body,
                                                     headers={"content-type": "application/json"})
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_request"


@pytest.mark.parametrize("content_type", ["text/plain", "multipart/form-data; boundary=x", ""])
def test_other_content_types_are_415(harness, content_type: str) -> None:
    resp = TestClient(harness.service.http_app).post(LOGIN, content=b"x",
                                                     headers={"content-type": content_type})
    assert resp.status_code == 415 and resp.json()["error"] == "invalid_request"


@pytest.mark.parametrize("username", ["\u0000\ud7ff\u202e", "\ud800", "a" * 60_000])
def test_unicode_and_huge_fields_never_500(harness, username: str) -> None:
    body = json.dumps({"username": username, "password": "\ud800"})  # ASCII: surrogates as \uXXXX
    resp = TestClient(harness.service.http_app).post(LOGIN, content=body,
                                                     headers={"content-type": "application/json"})
    assert resp.status_code in (401, 413)
