"""prompt=login, max_age and prompt=none through the gateway (OIDC Core §3.1.2.1,
§3.1.2.6): a live session still gets the login page when the client demands a fresh
login, the loop ends after signing in, and auth_time in the ID token moves forward."""

from __future__ import annotations

import re
import time
import urllib.parse

import httpx
from authlib.jose import jwt
from flowkit import AppClient, Flow, SignInUser, pkce_pair


def query(location: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


def auth_time_of(flow: Flow, client: AppClient, code: str, verifier: str) -> int:
    tokens = flow.exchange(client, code, verifier)
    assert tokens.status_code == 200, tokens.text
    claims = jwt.decode(tokens.json()["id_token"], flow_keys(flow))
    return int(claims["auth_time"])


def flow_keys(flow: Flow) -> dict:
    with httpx.Client(base_url=flow.base, timeout=30) as app:
        return app.get("/.well-known/jwks.json").json()


def login_with_form(browser: httpx.Client, login_location: str, user: SignInUser) -> httpx.Response:
    """What a person does on the login page: the form, its CSRF token, submit."""
    page = browser.get(login_location)
    assert page.status_code == 200
    csrf = re.search(r'name="csrf_token"\s+value="([^"]+)"', page.text)
    return_to = re.search(r'name="return_to"\s+value="([^"]+)"', page.text)
    assert csrf and return_to
    resp = browser.post("/api/v1/sso/login", data={
        "username": user.username, "password": user.password,
        "return_to": return_to.group(1).replace("&amp;", "&"), "csrf_token": csrf.group(1)})
    assert resp.status_code == 303, resp.text
    return browser.get(resp.headers["location"])


def forced_login_moves_auth_time(flow: Flow, **params: str) -> None:
    user, client = flow.user(), flow.client()
    with flow.browser() as browser:
        flow.login(browser, user)
        verifier, challenge = pkce_pair()
        first = auth_time_of(flow, client, flow.code(browser, client, challenge), verifier)
        time.sleep(1.1)  # auth_time has whole seconds
        verifier, challenge = pkce_pair()
        resp = flow.authorize(browser, client, challenge=challenge, **params)
        assert resp.status_code == 302
        assert urllib.parse.urlsplit(resp.headers["location"]).path == "/api/v1/sso/login"
        back = login_with_form(browser, resp.headers["location"], user)
        assert back.status_code == 302, back.text
        assert back.headers["location"].startswith(client.redirect_uri + "?")
        code = query(back.headers["location"])["code"]
    assert auth_time_of(flow, client, code, verifier) > first


def test_prompt_login_forces_the_login_page_and_auth_time_moves(flow: Flow) -> None:
    forced_login_moves_auth_time(flow, prompt="login")


def test_max_age_zero_forces_the_login_page_and_auth_time_moves(flow: Flow) -> None:
    forced_login_moves_auth_time(flow, max_age="0")


def test_a_recent_enough_login_satisfies_max_age(flow: Flow) -> None:
    with flow.browser() as browser:
        flow.login(browser, flow.user())
        client = flow.client()
        resp = flow.authorize(browser, client, challenge=pkce_pair()[1], max_age="3600")
        assert resp.status_code == 302 and "code" in query(resp.headers["location"])


def test_prompt_none_without_a_cookie_is_login_required(flow: Flow) -> None:
    client = flow.client()
    with flow.browser() as browser:
        resp = flow.authorize(browser, client, challenge=pkce_pair()[1], prompt="none", state="s-9")
    assert resp.status_code == 302 and resp.headers["location"].startswith(client.redirect_uri + "?")
    params = query(resp.headers["location"])
    assert params["error"] == "login_required" and params["state"] == "s-9"
    assert params["iss"] == flow.base


def test_prompt_none_with_a_too_old_login_is_login_required(flow: Flow) -> None:
    with flow.browser() as browser:
        flow.login(browser, flow.user())
        time.sleep(1.1)
        client = flow.client()
        resp = flow.authorize(browser, client, challenge=pkce_pair()[1], prompt="none", max_age="0")
    assert query(resp.headers["location"])["error"] == "login_required"
