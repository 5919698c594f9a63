"""Passkeys in headless Chromium through the gateway, with Chromium's virtual
authenticator (DevTools WebAuthn domain: CTAP2, internal transport, resident keys, user
verification): a person registers a passkey on the account page, signs out, signs in with
the passkey alone, and the ID token's amr says so; a passkey also confirms a password
sign-in as its second factor, and steps up a password-only session (acr_values).

WebAuthn refuses IP addresses as RP IDs (§5.1.3), and the test stack's ISSUER is
http://127.0.0.1:<port>. The least invasive way round: this module restarts only the
identity service with WEBAUTHN_RP_ID=localhost and WEBAUTHN_ORIGINS=http://localhost:<port>
(Stack.reconfigured, undone afterwards) and the browser reaches the same gateway as
http://localhost:<port>, a secure context. Every redirect the services send is a path,
so the browser stays on that origin; the code is exchanged at the stack's ISSUER as usual.
"""

from __future__ import annotations

import base64
import json
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import browser
import pytest
from authgate_devstack.stack import Stack
from flowkit import AppClient, Flow, SignInUser, pkce_pair, settle_after_restart

pytestmark = browser.needs_chromium
chromium = pytest.fixture(scope="module")(browser.launch_chromium)
ACCOUNT = "/api/v1/sso/account/security"


@pytest.fixture(scope="module")
def site(stack: Stack, flow: Flow) -> Iterator[str]:
    """The gateway under a host name, with identity's Relying Party on it."""
    base = f"http://localhost:{stack.ports.gateway}"
    with stack.reconfigured("identity", {"WEBAUTHN_RP_ID": "localhost", "WEBAUTHN_ORIGINS": base}):
        yield base
    settle_after_restart(flow, stack)


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A fresh browser with a virtual platform authenticator (a passkey-capable device)."""
    context, page = browser.open_page(chromium)
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True}})
    try:
        yield page
    finally:
        context.close()


def payload(jwt: str) -> dict:
    body = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def authorize_url(site: str, client: AppClient, challenge: str, **params: str) -> str:
    return site + "/api/v1/oauth/authorize?" + urllib.parse.urlencode({
        "response_type": "code", "client_id": client.client_id, "redirect_uri": client.redirect_uri,
        "scope": "openid profile", "state": "pk", "code_challenge": challenge,
        "code_challenge_method": "S256", "nonce": "pk-nonce", **params})


def type_password(page: Any, user: SignInUser) -> None:
    page.wait_for_url("**/api/v1/sso/login?**")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def register_passkey(page: Any, site: str, user: SignInUser, name: str) -> None:
    """On the account page (after signing in with the password): add a passkey."""
    page.goto(site + ACCOUNT)
    type_password(page, user)
    page.wait_for_url(lambda url: urllib.parse.urlsplit(url).path == ACCOUNT)
    page.get_by_label("Name for a new passkey (optional)").fill(name)
    page.get_by_role("button", name="Add a passkey").click()
    page.locator("#passkeys").get_by_text(name, exact=True).wait_for()


def id_token_after(page: Any, flow: Flow, client: AppClient, verifier: str,
                   click: Callable[[], None]) -> dict:
    """Click, and follow the browser back to the application: the code it carries,
    exchanged at the token endpoint; the ID token's claims. The redirect is read from the
    request itself (a routed host reached by a redirect may not resolve in this sandbox)."""
    with page.expect_request(client.redirect_uri + "?**") as back:
        click()
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(back.value.url).query))
    assert query.get("state") == "pk", back.value.url
    resp = flow.exchange(client, query["code"], verifier)
    assert resp.status_code == 200, resp.text
    return payload(resp.json()["id_token"])


def test_a_registered_passkey_signs_in_without_a_password(flow: Flow, site: str, page: Any) -> None:
    user, client = flow.user(), flow.client()
    register_passkey(page, site, user, "Test laptop")
    page.context.clear_cookies()  # signed out: this browser holds no session any more

    verifier, challenge = pkce_pair()
    page.goto(authorize_url(site, client, challenge))
    page.wait_for_url("**/api/v1/sso/login?**")
    claims = id_token_after(page, flow, client, verifier,
                            page.get_by_role("button", name="Use a passkey").click)
    assert claims["sub"] == user.id
    assert claims["amr"] == ["hwk", "user", "mfa"]
    assert claims["acr"] == "urn:authgate:acr:mfa"


def test_a_passkey_is_the_second_factor_after_the_password(flow: Flow, site: str, page: Any) -> None:
    user, client = flow.user(), flow.client()
    register_passkey(page, site, user, "Security key")
    page.context.clear_cookies()

    verifier, challenge = pkce_pair()
    page.goto(authorize_url(site, client, challenge))
    type_password(page, user)
    page.wait_for_url("**/api/v1/sso/login/second-factor")
    claims = id_token_after(page, flow, client, verifier,
                            page.get_by_role("button", name="Use my passkey").click)
    assert claims["amr"] == ["pwd", "hwk", "user", "mfa"]
    assert claims["acr"] == "urn:authgate:acr:mfa"


def test_a_passkey_steps_up_a_password_session(flow: Flow, site: str, page: Any) -> None:
    user, client = flow.user(), flow.client()
    register_passkey(page, site, user, "Phone")  # this session was made by the password alone
    verifier, challenge = pkce_pair()
    page.goto(authorize_url(site, client, challenge, acr_values="urn:authgate:acr:mfa"))
    page.wait_for_url("**/api/v1/sso/login/second-factor")  # no password asked again
    claims = id_token_after(page, flow, client, verifier,
                            page.get_by_role("button", name="Use my passkey").click)
    assert claims["amr"] == ["pwd", "hwk", "user", "mfa"]
    assert claims["acr"] == "urn:authgate:acr:mfa"


def test_the_account_page_renames_and_removes_a_passkey(flow: Flow, site: str, page: Any) -> None:
    user = flow.user()
    register_passkey(page, site, user, "Old name")
    page.get_by_label("New name for Old name").fill("New name")
    page.get_by_role("button", name="Rename").click()
    page.locator("#passkeys").get_by_text("New name", exact=True).wait_for()
    page.get_by_role("button", name="Remove New name").click()
    page.get_by_text("No passkey is set up.").wait_for()
