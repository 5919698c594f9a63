"""OIDC RP-Initiated Logout 1.0 through the gateway (issue 4, item 6): the end-session
endpoint ends the SSO session an ID token hint names and sends the browser to a
registered post_logout_redirect_uri with `state`; an unregistered URI gets an error page
and no redirect; without a hint the user confirms on a CSRF-protected page."""

from __future__ import annotations

import re
import secrets
import urllib.parse

import httpx
from flowkit import AppClient, Flow, SignInUser, eventually, pkce_pair

LOGOUT = "/api/v1/oauth/logout"


def _logout_client(flow: Flow) -> tuple[AppClient, str]:
    bye = f"https://app.example/signed-out/{secrets.token_hex(4)}"
    return flow.client("--post-logout-redirect-uri", bye), bye


def _sign_in(flow: Flow, browser: httpx.Client, user: SignInUser, client: AppClient) -> dict:
    """Login and a code exchange in this browser: the token response (its ID token's sid is
    this browser's session)."""
    return flow.sign_in(browser, user, client, nonce="n1")[1]


def _userinfo(flow: Flow, access: str) -> int:
    return httpx.get(
        flow.base + "/api/v1/userinfo/me", headers={"Authorization": "Bearer " + access}, timeout=10
    ).status_code


def _signed_in(flow: Flow, browser: httpx.Client, client: AppClient) -> bool:
    """Single sign-on still works: /authorize answers with a code, not the login page."""
    location = flow.authorize(browser, client, challenge=pkce_pair()[1]).headers.get("location", "")
    return location.startswith(client.redirect_uri)


def test_discovery_advertises_the_end_session_endpoint(flow: Flow) -> None:
    meta = httpx.get(flow.base + "/.well-known/openid-configuration", timeout=10).json()
    assert meta["end_session_endpoint"] == flow.base + LOGOUT
    assert meta["backchannel_logout_supported"] is True
    assert meta["backchannel_logout_session_supported"] is True


def test_hint_ends_the_session_and_redirects_to_the_registered_uri_with_state(flow: Flow) -> None:
    client, bye = _logout_client(flow)
    with flow.browser() as browser:
        tokens = _sign_in(flow, browser, flow.user(), client)
        resp = browser.get(
            LOGOUT,
            params={
                "id_token_hint": tokens["id_token"],
                "post_logout_redirect_uri": bye,
                "state": "st/é 1&x",
            },
        )
        assert resp.status_code == 303, resp.text
        location = urllib.parse.urlsplit(resp.headers["location"])
        assert location._replace(query="").geturl() == bye
        assert urllib.parse.parse_qs(location.query) == {"state": ["st/é 1&x"]}
        assert "Max-Age=0" in resp.headers["set-cookie"] and "sso_session" in resp.headers["set-cookie"]
        assert not browser.cookies.get("sso_session")
        eventually(lambda: _userinfo(flow, tokens["access_token"]) == 401, "the access token rejected")


def test_post_form_with_client_id_and_hint(flow: Flow) -> None:
    client, bye = _logout_client(flow)
    with flow.browser() as browser:
        tokens = _sign_in(flow, browser, flow.user(), client)
        resp = browser.post(
            LOGOUT,
            data={
                "id_token_hint": tokens["id_token"],
                "client_id": client.client_id,
                "post_logout_redirect_uri": bye,
            },
        )
        assert resp.status_code == 303 and resp.headers["location"] == bye  # no state sent: none added
        eventually(lambda: _userinfo(flow, tokens["access_token"]) == 401, "the access token rejected")


def test_unregistered_post_logout_uri_gets_an_error_page_and_no_redirect(flow: Flow) -> None:
    client, bye = _logout_client(flow)
    other, other_bye = _logout_client(flow)
    with flow.browser() as browser:
        tokens = _sign_in(flow, browser, flow.user(), client)
        for uri in ("https://evil.example/phish", bye + "/", bye.upper(), other_bye):
            resp = browser.get(
                LOGOUT,
                params={"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": uri, "state": "s"},
            )
            assert resp.status_code == 400, uri
            assert "location" not in resp.headers and "set-cookie" not in resp.headers
            assert resp.headers["content-type"].startswith("text/html")
            assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]
            assert "invalid_request" in resp.text and "evil.example" not in resp.text
        # client_id naming a client the hint was not issued to is refused too.
        resp = browser.get(
            LOGOUT,
            params={
                "id_token_hint": tokens["id_token"],
                "client_id": other.client_id,
                "post_logout_redirect_uri": other_bye,
            },
        )
        assert resp.status_code == 400 and "location" not in resp.headers
        # Nothing ended.
        assert _userinfo(flow, tokens["access_token"]) == 200
        assert _signed_in(flow, browser, client)


def test_forged_hint_is_refused(flow: Flow) -> None:
    client, bye = _logout_client(flow)
    with flow.browser() as browser:
        tokens = _sign_in(flow, browser, flow.user(), client)
        head, body, sig = tokens["id_token"].split(".")
        tampered = f"{head}.{body}.{sig[:-4]}AAAA"
        for hint in (tampered, tokens["access_token"], "not-a-token"):
            resp = browser.get(LOGOUT, params={"id_token_hint": hint, "post_logout_redirect_uri": bye})
            assert resp.status_code == 400 and "location" not in resp.headers
        assert _signed_in(flow, browser, client)


def _hidden_fields(html: str) -> dict[str, str]:
    import html as html_lib

    return {
        k: html_lib.unescape(v)
        for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)
    }


def test_without_a_hint_the_user_confirms_on_a_csrf_protected_page(flow: Flow) -> None:
    client, bye = _logout_client(flow)
    with flow.browser() as browser:
        tokens = _sign_in(flow, browser, flow.user(), client)
        params = {"client_id": client.client_id, "post_logout_redirect_uri": bye, "state": "s-9"}
        page = browser.get(LOGOUT, params=params)
        assert page.status_code == 200 and "Sign out?" in page.text
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY" and "<script" not in page.text
        fields = _hidden_fields(page.text)
        assert fields["csrf_token"] and fields["state"] == "s-9"
        # A GET alone (a link, an <img>) and a post without the token end nothing.
        without = {k: v for k, v in fields.items() if k != "csrf_token"}
        assert browser.post(LOGOUT, data=without).status_code == 200
        forged = browser.post(LOGOUT, data={**without, "csrf_token": "1999999999.forged"})
        assert forged.status_code == 400 and "location" not in forged.headers
        assert _userinfo(flow, tokens["access_token"]) == 200 and _signed_in(flow, browser, client)
        # The form itself ends the session.
        resp = browser.post(LOGOUT, data=fields)
        assert resp.status_code == 303 and resp.headers["location"] == bye + "?state=s-9"
        eventually(lambda: _userinfo(flow, tokens["access_token"]) == 401, "the access token rejected")


def test_a_hint_for_another_session_does_not_end_this_one_unasked(flow: Flow) -> None:
    client, bye = _logout_client(flow)
    user = flow.user()
    with flow.browser() as laptop, flow.browser() as phone:
        laptop_tokens = _sign_in(flow, laptop, user, client)
        _sign_in(flow, phone, user, client)
        resp = phone.get(
            LOGOUT, params={"id_token_hint": laptop_tokens["id_token"], "post_logout_redirect_uri": bye}
        )
        assert resp.status_code == 200 and "Sign out?" in resp.text  # asks; ends nothing
        assert _signed_in(flow, phone, client) and _signed_in(flow, laptop, client)


def test_without_a_session_the_browser_is_simply_signed_out(flow: Flow) -> None:
    client, bye = _logout_client(flow)
    with flow.browser() as browser:
        resp = browser.get(LOGOUT)
        assert resp.status_code == 200 and "You are signed out" in resp.text
        resp = browser.get(
            LOGOUT, params={"client_id": client.client_id, "post_logout_redirect_uri": bye, "state": "z"}
        )
        assert resp.status_code == 303 and resp.headers["location"] == bye + "?state=z"
