"""Password reset, self-registration and email verification through the gateway in
headless Chromium, with the mail caught by a real SMTP server in the test process
(aiosmtpd): the reset link from the mail sets a new password, the old one fails and the
user's sessions end; a reused link and an expired one are refused; a registered account
confirms its address with the mailed link (docs/account-flows.md).

The identity service is restarted with SMTP_HOST/SMTP_PORT pointing at the test's server
and self-registration on (Stack.reconfigured), and back as it was afterwards.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import browser
import psycopg
import pytest
from authgate_devstack.stack import Stack
from flowkit import Cli, Flow, SignInUser, settle_after_restart
from smtp_sink import SmtpSink, link_in, smtp_sink

NEW = "a brand new passphrase"

chromium = pytest.fixture(scope="module")(browser.launch_chromium)
page = pytest.fixture(browser.fresh_page)
pytestmark = browser.needs_chromium


@pytest.fixture(scope="module")
def mail(stack: Stack, flow: Flow) -> Iterator[SmtpSink]:
    with smtp_sink() as sink, stack.reconfigured("identity", {
            "SMTP_HOST": sink.host, "SMTP_PORT": str(sink.port), "SMTP_STARTTLS": "false",
            "SELF_REGISTRATION_ENABLED": "true"}):
        yield sink
    settle_after_restart(flow, stack)


def email_of(user: SignInUser) -> str:
    return f"{user.username}@example.com"  # as flowkit's Flow.user registers it


def signs_in(flow: Flow, username: str, password: str) -> bool:
    with flow.browser() as client:
        answer = client.post("/api/v1/sso/login", json={"username": username, "password": password})
    return answer.status_code == 200


def ask_for_a_link(flow: Flow, page: Any, email: str) -> None:
    page.goto(flow.base + "/api/v1/sso/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Send the link").click()
    page.get_by_text("If an account uses this address").wait_for()


def test_a_mailed_link_sets_a_new_password_once_and_ends_the_old_sessions(
        flow: Flow, mail: SmtpSink, page: Any) -> None:
    user = flow.user()
    with flow.browser() as device:  # a session on another device, before the reset
        flow.login(device, user)
        ask_for_a_link(flow, page, email_of(user))
        link = link_in(mail.wait_for(email_of(user))[0], "/api/v1/sso/password-reset/confirm")
        page.goto(link)
        page.get_by_label("New password", exact=True).fill(NEW)
        page.get_by_label("New password again").fill(NEW)
        page.get_by_role("button", name="Set the new password").click()
        page.get_by_role("heading", name="Your password was changed").wait_for()
        ended = device.get("/api/v1/sso/account/email", follow_redirects=False)
    assert ended.status_code == 303 and "/api/v1/sso/login" in ended.headers["location"]
    assert not signs_in(flow, user.username, user.password)
    assert signs_in(flow, user.username, NEW)
    # Through the login page too: the new password signs in, and the link is spent.
    page.goto(flow.base + "/api/v1/sso/login?return_to=/api/v1/sso/account/email")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(NEW)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_text(email_of(user)).wait_for()
    again = page.goto(link)
    assert again.status == 400
    assert page.get_by_role("heading", name="This link cannot be used").is_visible()


def test_an_unknown_address_gets_the_same_page_and_no_mail(flow: Flow, mail: SmtpSink, page: Any) -> None:
    ask_for_a_link(flow, page, "nobody-here@example.com")
    assert not [m for m in mail.messages if "nobody-here" in str(m["To"])]


def test_an_expired_link_is_refused(flow: Flow, stack: Stack, mail: SmtpSink, page: Any) -> None:
    user = flow.user()
    ask_for_a_link(flow, page, email_of(user))
    link = link_in(mail.wait_for(email_of(user))[0], "/api/v1/sso/password-reset/confirm")
    # Move the store's clock instead of waiting PASSWORD_RESET_TTL_SECONDS (30 minutes).
    assert stack.database_admin_url
    with psycopg.connect(stack.database_admin_url) as db:
        db.execute("UPDATE identity.account_tokens SET expires_at = now() - interval '1 second' "
                   "WHERE user_id = %s", (user.id,))
    answer = page.goto(link)
    assert answer.status == 400
    assert page.get_by_role("heading", name="This link cannot be used").is_visible()
    assert signs_in(flow, user.username, user.password)


def test_a_person_registers_and_confirms_the_address_with_the_mailed_link(
        flow: Flow, cli: Cli, mail: SmtpSink, page: Any) -> None:
    name = "reg" + secrets.token_hex(5)
    email = f"{name}@example.com"
    page.goto(flow.base + "/api/v1/sso/login")
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Username").fill(name)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(NEW)
    page.get_by_label("Password again").fill(NEW)
    page.get_by_role("button", name="Create the account").click()
    page.get_by_role("heading", name="Check your mail").wait_for()
    assert not verified(cli, name)
    page.goto(link_in(mail.wait_for(email)[0], "/api/v1/sso/verify-email"))
    page.get_by_role("button", name="Confirm my email address").click()
    page.get_by_role("heading", name="Email address confirmed").wait_for()
    assert verified(cli, name)
    assert signs_in(flow, name, NEW)


def verified(cli: Cli, username: str) -> bool:
    users: Any = cli("user", "list", "--limit", "1000")
    (user,) = [u for u in users if u["username"] == username]
    return bool(user["email_verified"])

