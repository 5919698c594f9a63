"""The stack as test_accessibility.py's pages need it, and the accounts they share.

Identity is restarted once for the module (Stack.reconfigured) with every optional page
on: SMTP to a sink in the test process (password reset, email verification),
self-registration, and a WebAuthn RP ID on the host name `localhost` (passkeys; WebAuthn
refuses IP addresses, §5.1.3), so the browser reaches the gateway as
http://localhost:<port>, as test_passkeys.py does. Each account or mailed link is made
once, on first use, and shared by the rows (and both languages) that show it.
"""

from __future__ import annotations

import contextlib
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import browser
import pyotp
from authgate_devstack.stack import Stack
from flowkit import AppClient, Flow, SignInUser, settle_after_restart
from smtp_sink import SmtpSink, link_in, smtp_sink

SECURITY = "/api/v1/sso/account/security"
EMAIL = "/api/v1/sso/account/email"


@contextlib.contextmanager
def reconfigured_site(stack: Stack, flow: Flow, chromium: Any) -> Iterator[Site]:
    base = f"http://localhost:{stack.ports.gateway}"
    with smtp_sink() as sink, stack.reconfigured("identity", {
            "SMTP_HOST": sink.host, "SMTP_PORT": str(sink.port), "SMTP_STARTTLS": "false",
            "SELF_REGISTRATION_ENABLED": "true", "WEBAUTHN_RP_ID": "localhost", "WEBAUTHN_ORIGINS": base}):
        yield Site(flow, base, sink, chromium)
    settle_after_restart(flow, stack)


def email_of(user: SignInUser) -> str:
    return f"{user.username}@example.com"  # as flowkit's Flow.user registers it


def type_password(page: Any, user: SignInUser) -> None:
    page.wait_for_url("**/api/v1/sso/login?**")
    page.locator("#username").fill(user.username)
    page.locator("#password").fill(user.password)
    page.locator("form button[type=submit]").first.click()


def turn_on_totp(page: Any) -> None:
    """On the enrolment page: the key read off the page, a code from it confirmed."""
    secret = page.locator("#manual-key").inner_text().replace(" ", "")
    page.locator("#code").fill(pyotp.TOTP(secret).at(time.time() - 30))
    page.locator("form button[type=submit]").click()
    page.locator("#recovery-codes").wait_for()


@dataclass
class Site:
    flow: Flow
    base: str
    mail: SmtpSink
    chromium: Any

    @cached_property
    def third_party(self) -> AppClient:
        return self.flow.client("--name", "Photo Printer", scopes="openid profile email read",
                                first_party=False)

    @cached_property
    def person(self) -> SignInUser:
        """A user who signs in with a password alone."""
        return self.flow.user()

    @cached_property
    def must_use_mfa(self) -> SignInUser:
        """A user with `mfa_required` on and no second factor (set up at sign-in)."""
        user = self.flow.user()
        self.flow.cli("user", "mfa-required", "on", "--username", user.username)
        return user

    @cached_property
    def secured(self) -> tuple[SignInUser, list[dict[str, Any]]]:
        """A user with an authenticator app and a passkey, set up on the account page, and
        the cookies of that (password) session."""
        user = self.flow.user()
        context, page = browser.open_page(self.chromium)
        try:
            cdp = context.new_cdp_session(page)
            cdp.send("WebAuthn.enable")
            cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
                "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
                "hasUserVerification": True, "isUserVerified": True}})
            page.goto(self.base + SECURITY + "/totp")
            type_password(page, user)
            turn_on_totp(page)
            page.goto(self.base + SECURITY)
            page.locator("#passkey_name").fill("Laptop")
            page.locator("[data-passkey-start]").click()
            page.locator("#passkeys").get_by_text("Laptop", exact=True).wait_for()
            return user, context.cookies()
        finally:
            context.close()

    def here(self, link: str) -> str:
        """A mailed link (made on the stack's ISSUER) on this site's origin."""
        parts = urllib.parse.urlsplit(link)
        return f"{self.base}{parts.path}?{parts.query}"

    @cached_property
    def reset_link(self) -> str:
        """A password reset link mailed to `person` (opening it spends nothing)."""
        with self.flow.browser() as client:
            form = client.get("/api/v1/sso/password-reset")
            csrf = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            sent = client.post("/api/v1/sso/password-reset",
                               data={"email": email_of(self.person), "csrf_token": csrf})
            assert sent.status_code == 200, sent.text
        mail = self.mail.wait_for(email_of(self.person))[0]
        return self.here(link_in(mail, "/api/v1/sso/password-reset/confirm"))

    @cached_property
    def verify_link(self) -> str:
        """An email verification link mailed to `secured`'s address from the email page."""
        user, cookies = self.secured
        context, page = browser.open_page(self.chromium)
        try:
            context.add_cookies(cookies)
            page.goto(self.base + EMAIL)
            page.locator("form button[type=submit]").click()
            mail = self.mail.wait_for(email_of(user))[0]
        finally:
            context.close()
        return self.here(link_in(mail, "/api/v1/sso/verify-email"))
