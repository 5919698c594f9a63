"""The login page and form POST /api/v1/sso/login, as a browser and an attacker use it:
CSRF double-submit, 303 with the session cookie, open redirects, uniform failures."""

from __future__ import annotations

import re

import pytest
from authgate_common.cookies import CookieRule, cookie_rule
from authgate_common.core.crypto import derive_key
from fastapi.testclient import TestClient
from identity_service.bootstrap import LOGIN_CSRF_PURPOSE
from identity_service.domain.login_csrf import LoginCsrf
from identity_service.entrypoints.cookies import CookiePolicy
from identity_service.entrypoints.http_api import HttpDeps, create_http_app

LOGIN = "/api/v1/sso/login"


def _page(client: TestClient, return_to: str = "/") -> str:
    page = client.get(LOGIN, params={"return_to": return_to})
    assert page.status_code == 200
    match = re.search(r'name="csrf_token"\s+value="([^"]+)"', page.text)
    assert match
    return match.group(1)


def _post(client: TestClient, **fields: str):
    return client.post(LOGIN, data=fields, follow_redirects=False)


def _set_cookies(resp) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in resp.headers.get_list("set-cookie")}


def test_the_page_is_a_plain_accessible_form_with_security_headers(harness) -> None:
    client = TestClient(harness.service.http_app)
    page = client.get(LOGIN, params={"return_to": '/x?a="><script>'})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
    assert '<label for="username">' in page.text and '<label for="password">' in page.text
    # The one script: passwordless sign-in's, from authgate itself (CSP script-src 'self').
    assert re.findall(r"<script[^>]*>", page.text) == ['<script src="/api/v1/sso/static/passkeys.js" defer>']
    assert "http" not in page.text.split("<body>")[1]
    csrf = _set_cookies(page)["login_csrf"].lower()
    assert "httponly" in csrf and "samesite=strict" in csrf and "path=/api/v1/sso" in csrf


def test_form_login_redirects_303_with_the_session_cookie(harness) -> None:
    user = harness.user()
    client = TestClient(harness.service.http_app)
    token = _page(client, "/api/v1/oauth/authorize?client_id=web&state=s")
    resp = _post(client, username=user.username, password=harness.password,
                 return_to="/api/v1/oauth/authorize?client_id=web&state=s", csrf_token=token)
    assert resp.status_code == 303
    assert resp.headers["location"] == "/api/v1/oauth/authorize?client_id=web&state=s"
    cookie = _set_cookies(resp)["sso_session"]
    value = cookie.split(";", 1)[0].split("=", 1)[1]
    assert value in harness.sessions.tokens and user.id not in cookie and user.username not in cookie
    attrs = [a.strip().lower() for a in cookie.split(";")[1:]]
    assert "httponly" in attrs and "samesite=lax" in attrs and "path=/" in attrs and "secure" not in attrs
    max_age = int(next(a for a in attrs if a.startswith("max-age=")).split("=")[1])
    assert 3500 < max_age <= 3600
    request = harness.sessions.created[-1]
    assert request.user_id == user.id and list(request.amr) == ["pwd"]


def _login_csrf(harness) -> LoginCsrf:
    return LoginCsrf(derive_key(harness.settings.SECRET_KEY, LOGIN_CSRF_PURPOSE))


def _attrs(header: str) -> list[str]:
    return [a.strip().lower() for a in header.split(";")[1:]]


def test_the_cookie_is_secure_when_configured(harness) -> None:
    user = harness.user()
    app = create_http_app(HttpDeps(login=harness.service.login,
                                   cookies=CookiePolicy(_login_csrf(harness), CookieRule(secure=True))))
    client = TestClient(app, base_url="https://testserver")
    resp = _post(client, username=user.username, password=harness.password, return_to="/",
                 csrf_token=_page(client))
    assert resp.status_code == 303
    assert "secure" in [a.strip().lower() for a in _set_cookies(resp)["sso_session"].split(";")]


def test_behind_an_https_issuer_both_cookies_are_host_prefixed_and_secure(harness) -> None:
    user = harness.user()
    cookies = CookiePolicy(_login_csrf(harness), cookie_rule("https://auth.example"))
    client = TestClient(create_http_app(HttpDeps(login=harness.service.login, cookies=cookies)),
                        base_url="https://testserver")
    page = client.get(LOGIN)
    csrf = _set_cookies(page)["__Host-login_csrf"]
    resp = _post(client, username=user.username, password=harness.password, return_to="/",
                 csrf_token=_page(client))
    assert resp.status_code == 303
    session = _set_cookies(resp)["__Host-sso_session"]
    for header in (csrf, session):
        attrs = _attrs(header)
        assert "secure" in attrs and "path=/" in attrs and not any(a.startswith("domain") for a in attrs)
    assert "login_csrf" not in _set_cookies(page) and "sso_session" not in _set_cookies(resp)


@pytest.mark.parametrize("cookie", [None, "x" * 43, "short"])
def test_a_missing_or_mismatched_csrf_token_is_refused(harness, cookie: str | None) -> None:
    user = harness.user()
    client = TestClient(harness.service.http_app)
    if cookie:
        client.cookies.set("login_csrf", cookie, path="/api/v1/sso")
    before = len(harness.sessions.created)
    resp = _post(client, username=user.username, password=harness.password, return_to="/",
                 csrf_token="y" * 43)
    assert resp.status_code == 400 and "text/html" in resp.headers["content-type"]
    assert "Your session expired, please try again." in resp.text
    assert "sso_session" not in _set_cookies(resp) and len(harness.sessions.created) == before


def test_a_planted_well_formed_csrf_cookie_is_neither_accepted_nor_reused(harness) -> None:
    user = harness.user()
    client = TestClient(harness.service.http_app)
    planted = "z" * 43  # the shape of the old double-submit token, sent back as the field
    client.cookies.set("login_csrf", planted, path="/api/v1/sso")
    resp = _post(client, username=user.username, password=harness.password, return_to="/",
                 csrf_token=planted)
    assert resp.status_code == 400 and "sso_session" not in _set_cookies(resp)
    page = client.get(LOGIN)
    assert planted not in _set_cookies(page)["login_csrf"] and planted not in page.text


def test_the_form_token_is_an_hmac_of_the_cookie_not_its_copy(harness) -> None:
    client = TestClient(harness.service.http_app)
    token = _page(client)
    cookie = client.cookies.get("login_csrf")
    assert cookie and token not in cookie and _login_csrf(harness).matches(cookie, token)


def test_a_wrong_password_rerenders_the_form_with_a_neutral_message(harness) -> None:
    user = harness.user()
    client = TestClient(harness.service.http_app)
    token = _page(client)
    wrong = _post(client, username=user.username, password="wrong-password", return_to="/", csrf_token=token)
    unknown = _post(client, username="ghost-" + user.username, password="wrong-password",
                    return_to="/", csrf_token=token)
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong username or password." in wrong.text and "Wrong username or password." in unknown.text
    assert "sso_session" not in _set_cookies(wrong)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "javascript:alert(1)", "/ok\r\nSet-Cookie: x=1", ""])
def test_return_to_never_leaves_the_site(harness, target: str) -> None:
    user = harness.user()
    client = TestClient(harness.service.http_app)
    resp = _post(client, username=user.username, password=harness.password, return_to=target,
                 csrf_token=_page(client, target))
    assert resp.status_code == 303 and resp.headers["location"] == "/"


def test_a_preset_session_cookie_is_never_adopted(harness) -> None:
    user = harness.user()
    client = TestClient(harness.service.http_app)
    client.cookies.set("sso_session", "attacker-chosen-value")
    resp = _post(client, username=user.username, password=harness.password, return_to="/",
                 csrf_token=_page(client))
    assert resp.status_code == 303
    assert "attacker-chosen-value" not in _set_cookies(resp)["sso_session"]


@pytest.mark.parametrize(("fields", "status"), [
    # A NUL is refused by the one OAuth form reader (core.forms) before any password check.
    ({"username": "\x00\u202e", "password": "\x00"}, 400),
    ({"username": "ü" * 2000, "password": "é" * 5000}, 401),
    ({"username": "a\r\nb", "password": "x", "return_to": "/\u2028"}, 401),
])
def test_odd_unicode_in_the_form_is_a_4xx_never_a_500(harness, fields: dict[str, str], status: int) -> None:
    client = TestClient(harness.service.http_app)
    resp = _post(client, csrf_token=_page(client), **fields)
    assert resp.status_code == status


def test_invalid_utf8_in_the_form_is_invalid_request(harness) -> None:
    client = TestClient(harness.service.http_app)
    resp = client.post(LOGIN, content=b"username=%ff%fe&password=x",
                       headers={"content-type": "application/x-www-form-urlencoded"})
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_request"
