"""The login and consent pages driven by a real browser (headless Chromium via Playwright):
a person types their credentials, clicks Allow and lands on the application with a code;
the pages refuse to render in a frame (CSP frame-ancestors 'none', X-Frame-Options DENY);
a form posted without its CSRF token is refused."""

from __future__ import annotations

import urllib.parse

import browser
import pytest
from flowkit import AppClient, Flow, SignInUser, pkce_pair

pytestmark = browser.needs_chromium
chromium = pytest.fixture(scope="module")(browser.launch_chromium)
page = pytest.fixture(browser.fresh_page)


def third_party(flow: Flow) -> AppClient:
    return flow.client("--name", "Photo Printer", scopes="openid profile email read", first_party=False)


def authorize_url(flow: Flow, client: AppClient, challenge: str) -> str:
    return flow.base + "/api/v1/oauth/authorize?" + urllib.parse.urlencode({
        "response_type": "code", "client_id": client.client_id, "redirect_uri": client.redirect_uri,
        "scope": "openid profile email", "state": "br-state", "code_challenge": challenge,
        "code_challenge_method": "S256", "nonce": "br-nonce"})


def sign_in(page, user: SignInUser) -> None:
    page.wait_for_url("**/api/v1/sso/login?**")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_a_person_signs_in_allows_and_lands_on_the_app_with_a_code(flow: Flow, page) -> None:
    user, client = flow.user(), third_party(flow)
    verifier, challenge = pkce_pair()
    page.goto(authorize_url(flow, client, challenge))
    sign_in(page, user)
    allow = page.get_by_role("button", name="Allow")
    allow.wait_for()
    assert "Photo Printer" in page.get_by_role("heading", level=1).inner_text()
    body = page.locator("main").inner_text()
    for words in ("Confirm your identity", "Your name and username", "Your email address"):
        assert words in body
    allow.click()
    page.wait_for_url(client.redirect_uri + "?**")
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(page.url).query))
    assert params["state"] == "br-state" and params["iss"] == flow.base and params["code"]
    assert "Back at the application." in page.content()
    tokens = flow.exchange(client, params["code"], verifier)
    assert tokens.status_code == 200, tokens.text


@pytest.mark.parametrize("path", ["/api/v1/sso/login", "/api/v1/oauth/authorize?client_id=nobody"])
def test_the_pages_refuse_to_render_in_a_frame(flow: Flow, page, path: str) -> None:
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text))
    page.set_content(f'<iframe id="f" title="embedded" src="{flow.base}{path}"></iframe>')
    page.wait_for_timeout(1500)
    (embedded,) = [f for f in page.frames if f != page.main_frame]
    # Chromium replaces a refused frame with its own error document: none of our page shows.
    assert not embedded.url.startswith(flow.base)
    assert embedded.locator("input[name=csrf_token], input[name=password]").count() == 0
    assert "Sign in" not in embedded.content() and "cannot continue" not in embedded.content()
    assert any("frame-ancestors" in text for text in console), console


def test_a_consent_form_without_its_csrf_token_is_refused(flow: Flow, page) -> None:
    user, client = flow.user(), third_party(flow)
    page.goto(authorize_url(flow, client, pkce_pair()[1]))
    sign_in(page, user)
    page.get_by_role("button", name="Allow").wait_for()
    page.evaluate("document.querySelector('input[name=csrf_token]').remove()")
    with page.expect_response("**/api/v1/oauth/consent") as answer:
        page.get_by_role("button", name="Allow").click()
    assert answer.value.status == 400
    assert "app.example" not in page.url
    assert "expired" in page.locator("body").inner_text()


def test_a_login_form_without_its_csrf_token_is_refused(flow: Flow, page) -> None:
    user = flow.user()
    page.goto(flow.base + "/api/v1/sso/login")
    page.evaluate("document.querySelector('input[name=csrf_token]').remove()")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(user.password)
    with page.expect_response("**/api/v1/sso/login") as answer:
        page.get_by_role("button", name="Sign in", exact=True).click()
    assert answer.value.status == 400
    assert not any(c["name"] == "sso_session" for c in page.context.cookies())


def test_a_user_needing_no_consent_signs_in_and_lands_on_the_app(flow: Flow, page) -> None:
    user, client = flow.user(), flow.client()  # first-party: no consent page in between
    page.goto(authorize_url(flow, client, pkce_pair()[1]))
    sign_in(page, user)
    page.wait_for_url(client.redirect_uri + "?**", timeout=5000)
