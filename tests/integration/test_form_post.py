"""response_mode=form_post through the gateway (OAuth 2.0 Form Post Response Mode): in
Chromium the person signs in and the browser ends with a POST of code, state and iss to the
application's redirect URI, the auto-submit script allowed by its CSP hash; the page itself
(hidden fields, CSP, no-store) and an error response posted the same way; discovery lists
the mode."""

from __future__ import annotations

import re
import urllib.parse

import browser
import httpx
import pytest
from flowkit import Flow, pkce_pair

chromium = pytest.fixture(scope="module")(browser.launch_chromium)
page = pytest.fixture(browser.fresh_page)


def fields_of(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', html))


@browser.needs_chromium
def test_the_browser_posts_the_code_to_the_app(flow: Flow, page) -> None:
    user, client = flow.user(), flow.client()
    verifier, challenge = pkce_pair()
    posted: list[tuple[str, str]] = []

    def app(route) -> None:
        posted.append((route.request.method, route.request.post_data or ""))
        route.fulfill(status=200, content_type="text/html", body=browser.APP_PAGE)

    page.route("https://app.example/**", app)
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security" in msg.text else None)
    page.goto(flow.base + "/api/v1/oauth/authorize?" + urllib.parse.urlencode({
        "response_type": "code", "client_id": client.client_id, "redirect_uri": client.redirect_uri,
        "scope": "openid profile", "state": "fp-state", "code_challenge": challenge,
        "code_challenge_method": "S256", "response_mode": "form_post"}))
    page.wait_for_url("**/api/v1/sso/login?**")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(client.redirect_uri)
    page.get_by_text("Back at the application.").wait_for()
    method, body = posted[-1]
    params = dict(urllib.parse.parse_qsl(body))
    assert method == "POST" and page.url == client.redirect_uri  # nothing in the query
    assert params["state"] == "fp-state" and params["iss"] == flow.base and params["code"]
    assert not violations, violations
    tokens = flow.exchange(client, params["code"], verifier)
    assert tokens.status_code == 200, tokens.text


def test_the_page_carries_the_fields_and_a_strict_csp(flow: Flow) -> None:
    user, client = flow.user(), flow.client()
    verifier, challenge = pkce_pair()
    with flow.browser() as b:
        flow.login(b, user)
        resp = flow.authorize(b, client, challenge=challenge, response_mode="form_post")
    assert resp.status_code == 200 and "location" not in resp.headers
    fields = fields_of(resp.text)
    assert set(fields) == {"code", "state", "iss"} and fields["iss"] == flow.base
    assert f'<form method="post" action="{client.redirect_uri}">' in resp.text
    csp = resp.headers["content-security-policy"]
    assert re.search(r"script-src 'sha256-[A-Za-z0-9+/=]+'", csp)
    assert "unsafe-inline" not in csp.split("script-src")[1]
    assert "form-action 'self' https://app.example" in csp
    assert resp.headers["cache-control"] == "no-store"
    assert flow.exchange(client, fields["code"], verifier).status_code == 200


def test_an_error_is_posted_too(flow: Flow) -> None:
    user, client = flow.user(), flow.client()
    with flow.browser() as b:
        flow.login(b, user)
        resp = flow.authorize(b, client, challenge=pkce_pair()[1], scope="openid no-such-scope",
                              response_mode="form_post")
        unknown = flow.authorize(b, client, challenge=pkce_pair()[1], response_mode="fragment")
    assert resp.status_code == 200
    fields = fields_of(resp.text)
    assert fields["error"] == "invalid_scope" and fields["state"] == "st-1" and fields["iss"] == flow.base
    assert unknown.status_code == 302  # an unknown mode is refused the default way
    assert dict(httpx.URL(unknown.headers["location"]).params)["error"] == "invalid_request"


def test_discovery_lists_form_post(flow: Flow) -> None:
    with flow.browser() as b:
        doc = b.get("/.well-known/openid-configuration").json()
    assert doc["response_modes_supported"] == ["query", "form_post"]
