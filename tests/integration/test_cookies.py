"""The SSO and CSRF cookies through the gateway (issue 15, defect 4).

On the http stack (`make up`'s issuer) the names stay plain, and the login form's CSRF
token is an HMAC of its cookie: a planted well-formed cookie sent back as the form token,
the old double-submit's shape, is refused, while the pair the login page issued works.
Behind an https ISSUER (identity, session and authorization restarted with one) both
cookies are `__Host-` prefixed, Secure, Path=/ and without Domain, and a full sign-in
followed by /authorize works with the prefixed cookie alone. httpx would not send a
Secure cookie over the test stack's plain http, so each request carries its Cookie
header by hand (a browser's Secure semantics are not what is tested here).
"""

from __future__ import annotations

import re
import secrets
import urllib.parse
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest
from authgate_devstack.stack import Stack
from flowkit import Flow, SignInUser, pkce_pair, settle_after_session_restart

pytestmark = pytest.mark.e2e
LOGIN = "/api/v1/sso/login"
AUTHORIZE = "/api/v1/oauth/authorize"
HTTPS_ISSUER = "https://auth.localhost"
# Every service that sets or reads the cookies must agree on their names.
READERS = ("identity", "session", "authorization")


def _send(flow: Flow, method: str, path: str, cookie: str = "", **kwargs: object) -> httpx.Response:
    """One request with exactly the Cookie header given: no jar carries anything over."""
    headers = {"cookie": cookie} if cookie else {}
    with httpx.Client(base_url=flow.base, follow_redirects=False, timeout=30) as client:
        return client.request(method, path, headers=headers, **kwargs)  # type: ignore[arg-type]


def _set_cookies(resp: httpx.Response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in resp.headers.get_list("set-cookie")}


def _value(header: str) -> str:
    return header.split(";", 1)[0].split("=", 1)[1]


def _attrs(header: str) -> list[str]:
    return [a.strip().lower() for a in header.split(";")[1:]]


def _login_page(flow: Flow, csrf_name: str) -> tuple[str, str, str]:
    """(Set-Cookie header of the CSRF cookie, its value, the form's token)."""
    page = _send(flow, "GET", LOGIN, params={"return_to": "/"})
    assert page.status_code == 200, page.text
    header = _set_cookies(page)[csrf_name]
    match = re.search(r'name="csrf_token"\s+value="([^"]+)"', page.text)
    assert match
    return header, _value(header), match.group(1)


def _form_login(flow: Flow, user: SignInUser, cookie: str, token: str,
                return_to: str = "/") -> httpx.Response:
    return _send(flow, "POST", LOGIN, cookie=cookie, data={
        "username": user.username, "password": user.password, "return_to": return_to, "csrf_token": token})


# --- the http stack: plain names, and the form token bound to its cookie -------------------

def test_a_planted_csrf_cookie_sent_back_as_the_form_token_is_refused(flow: Flow) -> None:
    user = flow.user()
    planted = secrets.token_urlsafe(32)  # well-formed: what the page used to put in both places
    resp = _form_login(flow, user, f"login_csrf={planted}", planted)
    assert resp.status_code == 400 and "Your session expired" in resp.text
    assert "sso_session" not in _set_cookies(resp)


def test_a_planted_cookie_gets_no_token_from_the_page_and_is_not_reused(flow: Flow) -> None:
    planted = secrets.token_urlsafe(32) + "." + secrets.token_hex(32)  # the new cookie's shape
    page = _send(flow, "GET", LOGIN, cookie=f"login_csrf={planted}")
    issued = _value(_set_cookies(page)["login_csrf"])
    token = re.search(r'name="csrf_token"\s+value="([^"]+)"', page.text)
    assert issued != planted and token and token.group(1) not in (planted, issued)
    resp = _form_login(flow, flow.user(), f"login_csrf={planted}", token.group(1))
    assert resp.status_code == 400 and "sso_session" not in _set_cookies(resp)


def test_a_form_token_of_another_cookie_is_refused(flow: Flow) -> None:
    _, mine, _ = _login_page(flow, "login_csrf")
    _, _, theirs = _login_page(flow, "login_csrf")
    resp = _form_login(flow, flow.user(), f"login_csrf={mine}", theirs)
    assert resp.status_code == 400 and "sso_session" not in _set_cookies(resp)


def test_the_pair_the_login_page_issued_signs_in_with_plain_names(flow: Flow) -> None:
    header, cookie, token = _login_page(flow, "login_csrf")
    assert token not in cookie and "secure" not in _attrs(header)
    assert "path=/api/v1/sso" in _attrs(header)
    resp = _form_login(flow, flow.user(), f"login_csrf={cookie}", token)
    assert resp.status_code == 303 and resp.headers["location"] == "/"
    session = _set_cookies(resp)["sso_session"]
    assert "secure" not in _attrs(session) and "path=/" in _attrs(session)


# --- an https issuer: __Host- names, Secure, Path=/, no Domain ------------------------------

@pytest.fixture(scope="module")
def https_issuer(stack: Stack, flow: Flow) -> Iterator[None]:
    with ExitStack() as restarted:
        for service in READERS:
            restarted.enter_context(stack.reconfigured(service, {"ISSUER": HTTPS_ISSUER}))
        yield
    settle_after_session_restart(flow, stack)


def _host_only(header: str) -> None:
    attrs = _attrs(header)
    assert "secure" in attrs and "path=/" in attrs and "httponly" in attrs
    assert not any(a.startswith("domain") for a in attrs)


def test_behind_https_the_cookies_are_host_prefixed_secure_and_host_only(
    flow: Flow, https_issuer: None
) -> None:
    header, cookie, token = _login_page(flow, "__Host-login_csrf")
    _host_only(header)
    resp = _form_login(flow, flow.user(), f"__Host-login_csrf={cookie}", token)
    assert resp.status_code == 303, resp.text
    cookies = _set_cookies(resp)
    _host_only(cookies["__Host-sso_session"])
    assert "sso_session" not in cookies and "login_csrf" not in cookies
    _host_only(cookies["__Host-login_csrf"])  # cleared with the attributes it was set with
    assert "max-age=0" in _attrs(cookies["__Host-login_csrf"])


def test_behind_https_the_plain_csrf_cookie_is_not_read(flow: Flow, https_issuer: None) -> None:
    _, cookie, token = _login_page(flow, "__Host-login_csrf")
    resp = _form_login(flow, flow.user(), f"login_csrf={cookie}", token)
    assert resp.status_code == 400 and "__Host-sso_session" not in _set_cookies(resp)


def test_behind_https_sign_in_then_authorize_works_with_the_prefixed_cookie(
    flow: Flow, https_issuer: None
) -> None:
    client = flow.client()
    _, challenge = pkce_pair()
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": client.client_id, "redirect_uri": client.redirect_uri,
        "scope": "openid profile", "state": "st-https", "code_challenge": challenge,
        "code_challenge_method": "S256"})
    authorize = f"{AUTHORIZE}?{query}"
    first = _send(flow, "GET", authorize)
    assert first.status_code == 302 and first.headers["location"].startswith(LOGIN + "?")
    return_to = urllib.parse.parse_qs(urllib.parse.urlsplit(first.headers["location"]).query)["return_to"][0]
    _, csrf, token = _login_page(flow, "__Host-login_csrf")
    signed_in = _form_login(flow, flow.user(), f"__Host-login_csrf={csrf}", token, return_to)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == return_to
    session = _value(_set_cookies(signed_in)["__Host-sso_session"])

    plain = _send(flow, "GET", return_to, cookie=f"sso_session={session}")
    assert plain.status_code == 302 and plain.headers["location"].startswith(LOGIN + "?")
    back = _send(flow, "GET", return_to, cookie=f"__Host-sso_session={session}")
    assert back.status_code == 302, back.text
    location = urllib.parse.urlsplit(back.headers["location"])
    params = urllib.parse.parse_qs(location.query)
    assert back.headers["location"].startswith(client.redirect_uri)
    assert params["state"] == ["st-https"] and params["code"] and params["iss"] == [HTTPS_ISSUER]
    # The session service reads the same name: the cookie lists this device.
    sessions = _send(flow, "GET", "/api/v1/sessions", cookie=f"__Host-sso_session={session}")
    assert sessions.status_code == 200, sessions.text
