"""Every page authgate shows a person passes axe-core (WCAG 2.1 A/AA rules and best
practices) in headless Chromium with no violation of any impact (the issue asks for no
serious or critical one), in English and German; the login form is usable by keyboard
alone, with a visible focus.

PAGES is a table: a page added to authgate gets a row here (a name and a function that
brings the browser to it). axe-core comes from npm (`npm ci --prefix tests/a11y`, which
`make test` runs). The pages' CSP (`default-src 'none'`) refuses injected script tags,
so axe's source is evaluated through the DevTools protocol (page.evaluate), which CSP
does not govern; the pages themselves are tested exactly as served, CSP intact.

Identity runs with every optional page on (a11y_site.py: mail, self-registration, passkeys
on http://localhost:<port>), so the login page is checked with its passkey section and
links; accounts with a second factor and mailed links are made once and shared by rows."""

from __future__ import annotations

import pathlib
import secrets
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import browser
import pytest
from a11y_site import EMAIL, SECURITY, Site, reconfigured_site, turn_on_totp, type_password
from authgate_devstack.stack import Stack
from flowkit import AppClient, Flow, SignInUser, pkce_pair

AXE = pathlib.Path(__file__).parents[1] / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
pytestmark = [browser.needs_chromium,
              pytest.mark.skipif(not AXE.exists(), reason="no axe-core: npm ci --prefix tests/a11y")]
chromium = pytest.fixture(scope="module")(browser.launch_chromium)
page = pytest.fixture(browser.fresh_page)
ACR_MFA = "urn:authgate:acr:mfa"


@pytest.fixture(scope="module")
def site(stack: Stack, flow: Flow, chromium: Any) -> Iterator[Site]:
    with reconfigured_site(stack, flow, chromium) as reconfigured:
        yield reconfigured


def authorize_url(site: Site, client: AppClient, **params: str) -> str:
    return site.base + "/api/v1/oauth/authorize?" + urllib.parse.urlencode({
        "response_type": "code", "client_id": client.client_id, "redirect_uri": client.redirect_uri,
        "scope": "openid profile email", "state": "a11y", "code_challenge": pkce_pair()[1],
        "code_challenge_method": "S256", "nonce": "n", **params})


def signed_in(site: Site, page: Any) -> SignInUser:
    """A user signed in in this browser context (the context shares the page's cookies)."""
    user = site.person
    resp = page.context.request.post(site.base + "/api/v1/sso/login",
                                     data={"username": user.username, "password": user.password})
    assert resp.status == 200, resp.text()
    return user


def speaks(page: Any, locale: str) -> None:
    """Pages reached without an authorization request follow Accept-Language."""
    page.context.set_extra_http_headers({"Accept-Language": locale})


def scripted(page: Any) -> None:
    """Wait for the passkey parts the page's script shows where WebAuthn works."""
    page.locator("[data-needs-webauthn]").first.wait_for()


# -- the pages ---------------------------------------------------------------------------


def login(site: Site, page: Any, locale: str) -> None:
    page.goto(authorize_url(site, site.third_party, ui_locales=locale))
    page.wait_for_url("**/api/v1/sso/login?**")
    scripted(page)  # with the passkey sign-in


def login_failed(site: Site, page: Any, locale: str) -> None:
    login(site, page, locale)
    page.locator("#username").fill("nobody-" + locale)
    page.locator("#password").fill("wrong password")
    page.locator("form button[type=submit]").first.click()
    page.locator("[role=alert]").first.wait_for()


def consent(site: Site, page: Any, locale: str) -> None:
    signed_in(site, page)
    page.goto(authorize_url(site, site.third_party, ui_locales=locale))
    page.locator("button[value=allow]").wait_for()


def error(site: Site, page: Any, locale: str) -> None:
    page.goto(f"{site.base}/api/v1/oauth/authorize?client_id=nobody&ui_locales={locale}")


def logout(site: Site, page: Any, locale: str) -> None:
    signed_in(site, page)
    page.goto(f"{site.base}/api/v1/logout?ui_locales={locale}")


def end_session_confirm(site: Site, page: Any, locale: str) -> None:
    signed_in(site, page)
    page.goto(f"{site.base}/api/v1/oauth/logout?ui_locales={locale}&state=s")
    page.locator("form").wait_for()


def signed_out(site: Site, page: Any, locale: str) -> None:
    page.goto(f"{site.base}/api/v1/oauth/logout?ui_locales={locale}")


def second_factor(site: Site, page: Any, locale: str) -> None:
    user, _cookies = site.secured
    speaks(page, locale)
    page.goto(site.base + "/api/v1/sso/login?return_to=/api/v1/sso/account/email")
    type_password(page, user)
    page.wait_for_url("**/api/v1/sso/login/second-factor")
    page.locator("#code").wait_for()
    scripted(page)  # the app's code, the passkey, a recovery code


def forced_enrolment(site: Site, page: Any, locale: str) -> None:
    speaks(page, locale)
    page.goto(site.base + "/api/v1/sso/login?return_to=/api/v1/sso/account/email")
    type_password(page, site.must_use_mfa)
    page.wait_for_url("**/api/v1/sso/login/enrol")
    page.locator("#manual-key").wait_for()


def recovery_codes(site: Site, page: Any, locale: str) -> None:
    """After the app set up at sign-in (a client asking for two factors, a user with none)."""
    speaks(page, locale)
    page.goto(authorize_url(site, site.third_party, acr_values=ACR_MFA))
    type_password(page, site.flow.user())
    page.wait_for_url("**/api/v1/sso/login/enrol")
    turn_on_totp(page)


def on_the_account(site: Site, page: Any, locale: str, path: str) -> None:
    speaks(page, locale)
    page.context.add_cookies(site.secured[1])
    page.goto(site.base + path)


def account_security(site: Site, page: Any, locale: str) -> None:
    on_the_account(site, page, locale, SECURITY)  # an app and a passkey listed
    page.locator("#totp-factors").wait_for()
    page.locator("[data-passkey-remove]").wait_for()
    scripted(page)


def add_an_app(site: Site, page: Any, locale: str) -> None:
    on_the_account(site, page, locale, SECURITY + "/totp")
    page.locator("#manual-key").wait_for()


def change_password(site: Site, page: Any, locale: str) -> None:
    on_the_account(site, page, locale, "/api/v1/sso/account/password")
    page.locator("#current_password").wait_for()


def email(site: Site, page: Any, locale: str) -> None:
    on_the_account(site, page, locale, EMAIL)  # not confirmed yet: a button sends a link
    page.locator("form button[type=submit]").wait_for()


def verify_email(site: Site, page: Any, locale: str) -> None:
    speaks(page, locale)
    page.goto(site.verify_link)
    page.locator("input[name=token]").wait_for(state="attached")


def reset_request(site: Site, page: Any, locale: str) -> None:
    speaks(page, locale)
    page.goto(site.base + "/api/v1/sso/password-reset")
    page.locator("#email").wait_for()


def reset_sent(site: Site, page: Any, locale: str) -> None:
    reset_request(site, page, locale)
    page.locator("#email").fill(f"nobody-{secrets.token_hex(4)}@example.com")
    page.locator("form button[type=submit]").click()
    page.locator("[role=status]").wait_for()


def reset_form(site: Site, page: Any, locale: str) -> None:
    speaks(page, locale)
    page.goto(site.reset_link)
    page.locator("#new_password").wait_for()


def register(site: Site, page: Any, locale: str) -> None:
    speaks(page, locale)
    page.goto(site.base + "/api/v1/sso/register")
    page.locator("#password_again").wait_for()


def registered(site: Site, page: Any, locale: str) -> None:
    """The notice at the end of an account flow ("Check your mail")."""
    register(site, page, locale)
    name = "a11y" + secrets.token_hex(5)
    page.locator("#username").fill(name)
    page.locator("#email").fill(f"{name}@example.com")
    page.locator("#password").fill("a brand new passphrase")
    page.locator("#password_again").fill("a brand new passphrase")
    page.locator("form button[type=submit]").click()
    page.locator("[role=status]").wait_for()


@dataclass(frozen=True)
class A11yPage:
    name: str
    reach: Callable[[Site, Any, str], None]


PAGES = (
    A11yPage("login", login),
    A11yPage("login-failed", login_failed),
    A11yPage("consent", consent),
    A11yPage("error", error),
    A11yPage("logout", logout),
    A11yPage("end-session-confirm", end_session_confirm),
    A11yPage("signed-out", signed_out),
    A11yPage("second-factor", second_factor),
    A11yPage("forced-enrolment", forced_enrolment),
    A11yPage("recovery-codes", recovery_codes),
    A11yPage("account-security", account_security),
    A11yPage("add-an-app", add_an_app),
    A11yPage("change-password", change_password),
    A11yPage("email", email),
    A11yPage("verify-email", verify_email),
    A11yPage("reset-request", reset_request),
    A11yPage("reset-sent", reset_sent),
    A11yPage("reset-form", reset_form),
    A11yPage("register", register),
    A11yPage("registered", registered),
)


# -- the checks --------------------------------------------------------------------------


def axe_violations(page: Any) -> list[dict[str, Any]]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                        nodes: v.nodes.map(n => n.target.join(' '))}));
    }""")
    return list(result)


def test_axe_runs_and_would_catch_a_broken_page(page: Any) -> None:
    page.set_content('<html><body><input id="x"><img src="data:,"></body></html>')
    found = {v["id"]: v["impact"] for v in axe_violations(page)}
    assert found.get("label") == "critical" and found.get("html-has-lang") == "serious", found


@pytest.mark.parametrize("locale", ["en", "de"])
@pytest.mark.parametrize("entry", PAGES, ids=lambda e: e.name)
def test_the_page_has_no_serious_accessibility_violation(site: Site, page: Any, entry: A11yPage,
                                                         locale: str) -> None:
    entry.reach(site, page, locale)
    assert page.locator("html").get_attribute("lang") == locale
    assert page.title().strip(), "every page has a title"
    assert page.locator("h1").count() == 1, "one main heading"
    violations = axe_violations(page)
    assert not violations, f"{entry.name} ({locale}): {violations}"


def test_the_login_form_works_by_keyboard_with_a_visible_focus(flow: Flow, page: Any) -> None:
    user = flow.user()
    page.goto(authorize_url(flow, flow.client()))
    page.wait_for_url("**/api/v1/sso/login?**")
    assert page.evaluate("document.activeElement.id") == "username"  # autofocus
    order = []
    for _ in range(3):
        focused = page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e);
            return {id: e.id || e.type, outline: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }""")
        order.append(focused["id"])
        assert focused["outline"] != "none" and focused["width"] >= 2, focused
        page.keyboard.press("Tab")
    assert order == ["username", "password", "submit"]
    page.locator("#username").focus()
    page.keyboard.type(user.username)
    page.keyboard.press("Tab")
    page.keyboard.type(user.password)
    # Enter submits the form (the redirect chain after it is test_pages_in_browser's concern).
    def login_post(r: Any) -> bool:
        return r.url.endswith("/api/v1/sso/login") and r.request.method == "POST"

    with page.expect_response(login_post) as sent:
        page.keyboard.press("Enter")
    assert sent.value.status == 303
