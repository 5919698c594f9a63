"""TOTP as a second factor, in a real browser through the gateway (issue 19): a person
sets up an authenticator app on the account page (QR code and the key to type), a client
asking acr_values=urn:authgate:acr:mfa steps their session up with a code, a later sign-in
asks for the code after the password, a replayed code is refused, a recovery code works
once, and the ID token's acr/amr say two factors were used (OIDC Core §2, RFC 8176)."""

from __future__ import annotations

import base64
import json
import time
import urllib.parse

import browser
import pyotp
import pytest
from flowkit import AppClient, Flow, SignInUser, pkce_pair

pytestmark = browser.needs_chromium
chromium = pytest.fixture(scope="module")(browser.launch_chromium)
ACR_MFA = "urn:authgate:acr:mfa"
SECURITY = "/api/v1/sso/account/security"


def authorize_url(flow: Flow, client: AppClient, challenge: str, **extra: str) -> str:
    return flow.base + "/api/v1/oauth/authorize?" + urllib.parse.urlencode({
        "response_type": "code", "client_id": client.client_id, "redirect_uri": client.redirect_uri,
        "scope": "openid profile", "state": "totp", "code_challenge": challenge,
        "code_challenge_method": "S256", **extra})


def password(page, user: SignInUser) -> None:
    page.wait_for_url("**/api/v1/sso/login?**")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def code_at(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def give_code(page, code: str) -> None:
    page.wait_for_url("**/api/v1/sso/login/second-factor")
    page.get_by_label("Code from your authenticator app").fill(code)
    page.get_by_role("button", name="Continue").click()


def id_token_claims(flow: Flow, page, client: AppClient, verifier: str) -> dict:
    page.wait_for_url(client.redirect_uri + "?**")
    code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(page.url).query))["code"]
    tokens = flow.exchange(client, code, verifier)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()["id_token"].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


@pytest.fixture(scope="module")
def enrolled(flow: Flow, chromium) -> tuple[SignInUser, AppClient, str, list[str]]:
    """A user who set up TOTP on the account page, then stepped up with it for a client
    asking acr_values=mfa: (user, client, secret, recovery codes)."""
    user, client = flow.user(), flow.client()
    context, page = browser.open_page(chromium)
    try:
        page.goto(flow.base + SECURITY)
        password(page, user)  # no factor yet: the password alone
        page.wait_for_url("**" + SECURITY)
        page.get_by_role("link", name="Add an authenticator app").click()
        page.wait_for_url("**" + SECURITY + "/totp")
        assert page.locator("figure.qr svg").count() == 1 and page.locator("img").count() == 0
        secret = page.locator("#manual-key").inner_text().replace(" ", "")
        page.get_by_label("Code from your authenticator app").fill(code_at(secret, -1))
        page.get_by_role("button", name="Turn on").click()
        codes = page.locator("#recovery-codes code").all_inner_texts()
        assert len(codes) == 10
        page.get_by_role("link", name="I have saved them, continue").click()
        assert "Authenticator app" in page.locator("#totp-factors").inner_text()

        # The session is still password-only: a client asking for two factors steps it up.
        verifier, challenge = pkce_pair()
        page.goto(authorize_url(flow, client, challenge, acr_values=ACR_MFA))
        give_code(page, code_at(secret))
        claims = id_token_claims(flow, page, client, verifier)
        assert claims["acr"] == ACR_MFA and claims["amr"] == ["pwd", "otp", "mfa"]
    finally:
        context.close()
    return user, client, secret, codes


def test_a_sign_in_asks_for_the_code_after_the_password(flow: Flow, chromium, enrolled) -> None:
    user, client, secret, _codes = enrolled
    context, page = browser.open_page(chromium)
    try:
        verifier, challenge = pkce_pair()
        page.goto(authorize_url(flow, client, challenge))
        password(page, user)
        code = code_at(secret, 1)  # the step-up used the current step: the next one is new
        give_code(page, code)
        claims = id_token_claims(flow, page, client, verifier)
        assert claims["acr"] == ACR_MFA and claims["amr"] == ["pwd", "otp", "mfa"]
    finally:
        context.close()
    # The same code again, in another browser: refused (RFC 6238 §5.2).
    context, page = browser.open_page(chromium)
    try:
        page.goto(authorize_url(flow, client, pkce_pair()[1]))
        password(page, user)
        give_code(page, code)
        alert = page.get_by_role("alert")
        assert "That code is not right" in alert.inner_text()
        assert page.get_by_label("Code from your authenticator app").get_attribute("aria-invalid") == "true"
    finally:
        context.close()


def use_recovery_code(flow: Flow, chromium, user: SignInUser, client: AppClient, code: str) -> bool:
    """Sign in with the password and a recovery code: whether it reached the application."""
    context, page = browser.open_page(chromium)
    try:
        page.goto(authorize_url(flow, client, pkce_pair()[1]))
        password(page, user)
        page.wait_for_url("**/api/v1/sso/login/second-factor")
        page.get_by_label("Recovery code").fill(code)
        page.get_by_role("button", name="Use recovery code").click()
        outcome = page.locator("[role=alert]").or_(page.get_by_text("Back at the application."))
        outcome.first.wait_for()
        return page.url.startswith(client.redirect_uri)
    finally:
        context.close()


def test_a_recovery_code_works_once(flow: Flow, chromium, enrolled) -> None:
    user, client, _secret, codes = enrolled
    assert use_recovery_code(flow, chromium, user, client, codes[0])
    assert not use_recovery_code(flow, chromium, user, client, codes[0])
