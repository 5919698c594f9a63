"""The login page and POST /api/v1/sso/login through the gateway, as a person and an attacker
would use them: same answer for unknown user and wrong password, CSRF, open redirects,
session fixation."""

from __future__ import annotations

import re

import httpx
import pytest
from flowkit import Flow


def _csrf(browser: httpx.Client, return_to: str = "/") -> str:
    page = browser.get("/api/v1/sso/login", params={"return_to": return_to})
    assert page.status_code == 200
    match = re.search(r'name="csrf_token"\s+value="([^"]+)"', page.text)
    assert match
    return match.group(1)


def test_unknown_user_and_wrong_password_look_the_same(flow: Flow) -> None:
    user = flow.user()
    with flow.browser() as browser:
        wrong = browser.post("/api/v1/sso/login", json={"username": user.username, "password": "nope-nope"})
        unknown = browser.post("/api/v1/sso/login", json={"username": "ghost" + user.username,
                                                           "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert "set-cookie" not in wrong.headers or "sso_session" not in wrong.headers["set-cookie"]


def test_form_login_without_csrf_token_is_refused(flow: Flow) -> None:
    user = flow.user()
    with flow.browser() as browser:
        resp = browser.post("/api/v1/sso/login", data={"username": user.username,
                                                       "password": user.password, "return_to": "/"})
    assert resp.status_code == 400
    assert "sso_session" not in resp.headers.get("set-cookie", "")


def test_wrong_password_rerenders_the_form_with_a_neutral_message(flow: Flow) -> None:
    user = flow.user()
    with flow.browser() as browser:
        token = _csrf(browser)
        resp = browser.post("/api/v1/sso/login", data={
            "username": user.username, "password": "wrong-password", "return_to": "/",
            "csrf_token": token})
    assert resp.status_code == 401
    assert "Wrong username or password" in resp.text
    assert "text/html" in resp.headers["content-type"]


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "javascript:alert(1)", "/ok\r\nSet-Cookie: x=1"])
def test_return_to_never_leaves_the_site(flow: Flow, target: str) -> None:
    user = flow.user()
    with flow.browser() as browser:
        token = _csrf(browser)
        resp = browser.post("/api/v1/sso/login", data={
            "username": user.username, "password": user.password, "return_to": target,
            "csrf_token": token})
    assert resp.status_code == 303
    assert resp.headers["location"] == "/"


def test_a_preset_cookie_is_never_adopted(flow: Flow) -> None:
    user = flow.user()
    with flow.browser() as browser:
        browser.cookies.set("sso_session", "attacker-chosen-value", domain="127.0.0.1")
        flow.login(browser, user)
        assert browser.cookies.get("sso_session") != "attacker-chosen-value"


def test_each_login_starts_a_new_session(flow: Flow) -> None:
    user = flow.user()
    with flow.browser() as one, flow.browser() as two:
        a = flow.login(one, user).json()["sid"]
        b = flow.login(two, user).json()["sid"]
    assert a != b


def test_bad_json_and_bad_content_type_are_4xx(flow: Flow) -> None:
    with flow.browser() as browser:
        bad_json = browser.post("/api/v1/sso/login", content=b"{nope",
                                headers={"content-type": "application/json"})
        other = browser.post("/api/v1/sso/login", content=b"x", headers={"content-type": "text/plain"})
        unicode = browser.post("/api/v1/sso/login", json={"username": "\u0000\ud7ff\u202e", "password": "x"})
    assert bad_json.status_code == 400 and bad_json.json()["error"] == "invalid_request"
    assert other.status_code == 415
    assert unicode.status_code in (400, 401)
