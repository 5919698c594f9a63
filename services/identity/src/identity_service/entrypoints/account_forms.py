"""What the account pages share: their paths, reading a form (HTML forms only, through the
one OAuth form reader), the CSRF check of the login pages (signed double-submit cookie,
entrypoints/cookies.py), the page language, and the pages that answer an error.

The language is the page's `ui_locales` (a hidden field carries it from page to form),
then Accept-Language (authgate_common.pages). Messages are English msgids marked with N_
and translated where shown (translations/de/LC_MESSAGES/account.po).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from authgate_common.core.errors import OAuthError, TooManyRequests
from authgate_common.core.forms import parse_form
from authgate_common.pages import N_, Pages
from fastapi import BackgroundTasks, Request
from fastapi.responses import HTMLResponse

from ..domain.account.courier import MailUnavailable
from ..domain.account.tokens import InvalidLink
from .cookies import CookiePolicy
from .login_body import FORM, UnsupportedMediaType, media_type

log = logging.getLogger(__name__)
RESET_PATH = "/api/v1/sso/password-reset"
RESET_CONFIRM_PATH = "/api/v1/sso/password-reset/confirm"
VERIFY_PATH = "/api/v1/sso/verify-email"
VERIFY_SEND_PATH = "/api/v1/sso/verify-email/send"
REGISTER_PATH = "/api/v1/sso/register"
PASSWORD_PATH = "/api/v1/sso/account/password"
EMAIL_PATH = "/api/v1/sso/account/email"
ACCOUNT_PATH = "/api/v1/sso/account/security"
LOGIN_PATH = "/api/v1/sso/login"

SESSION_EXPIRED = N_("Your session expired, please try again.")
PASSWORD_RULES = N_("Choose a password of at least %(min)s characters and at most 72 bytes, other than your "
                    "username.")
PASSWORDS_DIFFER = N_("The two new passwords differ.")
LINK_HEADING = N_("This link cannot be used")
LINK_INVALID = N_("This link is invalid, was already used or has expired. Ask for a new one.")
BUSY_HEADING = N_("Please try again later")
TOO_MANY = N_("Too many requests. Please wait a while and try again.")
UNAVAILABLE = N_("This is unavailable right now. Please try again in a moment.")
OFF_HEADING = N_("Not available")
NO_MAIL = N_("Email is not set up on this server, so this page is not available. Ask your administrator.")


def later(background: BackgroundTasks, work: Callable[..., None], *args: Any) -> None:
    """Run `work` after the answer is sent; a failure there (a store down) is logged, with
    its type only, and reaches nobody: the person already has their answer."""

    def quietly() -> None:
        try:
            work(*args)
        except Exception as exc:  # noqa: BLE001 - background work: log, never raise
            log.warning("account mail work %s failed: %s", getattr(work, "__qualname__", "?"),
                        type(exc).__name__)

    background.add_task(quietly)


def read_form(request: Request, body: bytes) -> dict[str, str]:
    content_type = request.headers.get("content-type")
    if media_type(content_type) != FORM:
        raise UnsupportedMediaType(f"Send {FORM}.")
    return parse_form(content_type, body)


@dataclass(frozen=True)
class AccountPages:
    pages: Pages
    cookies: CookiePolicy

    def locale(self, request: Request, form: dict[str, str] | None = None) -> str:
        ui_locales = (form or {}).get("ui_locales") or request.query_params.get("ui_locales")
        return self.pages.locale(ui_locales, request.headers.get("accept-language"))

    def t(self, locale: str, message: str, **variables: Any) -> str:
        return self.pages.translate(locale, message, **{k: str(v) for k, v in variables.items()})

    def form(self, request: Request, template: str, locale: str, status_code: int = 200,
             **context: Any) -> HTMLResponse:
        """A page with a form: a CSRF token for it, the cookie it is bound to."""
        cookie, token = self.cookies.csrf_pair(request)
        page = self.pages.render(template, locale, status_code=status_code, csrf_token=token, **context)
        self.cookies.set_csrf(page, cookie)
        return page

    def csrf_ok(self, request: Request, form: dict[str, str]) -> bool:
        return self.cookies.csrf_matches(request, form.get("csrf_token", ""))

    def notice(self, locale: str, heading: str, message: str, *, status_code: int = 200, alert: bool = False,
               link_url: str = "", link_text: str = "", **variables: Any) -> HTMLResponse:
        return self.pages.render("account_notice.html", locale, status_code=status_code,
                                 heading=self.t(locale, heading), alert=alert,
                                 message=self.t(locale, message, **variables), link_url=link_url,
                                 link_text=self.t(locale, link_text) if link_text else "")

    def refusal(self, locale: str, err: OAuthError, link_url: str = "", link_text: str = "") -> HTMLResponse:
        """The page for an error that ends the flow: a dead link, a limit, mail that is off,
        an outage."""
        if isinstance(err, InvalidLink):
            return self.notice(locale, LINK_HEADING, LINK_INVALID, status_code=err.status_code, alert=True,
                               link_url=link_url, link_text=link_text)
        if isinstance(err, MailUnavailable):
            return self.notice(locale, OFF_HEADING, NO_MAIL, status_code=err.status_code, alert=True)
        message = TOO_MANY if isinstance(err, TooManyRequests) else UNAVAILABLE
        return self.notice(locale, BUSY_HEADING, message, status_code=err.status_code, alert=True)
