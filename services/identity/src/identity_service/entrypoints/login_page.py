"""The login page: a template (templates/login.html), usable without JavaScript or
third-party resources, in the person's language, naming the client signed in to.

The language is the `ui_locales` of the authorization request (OIDC Core §3.1.2.1), which
reaches this page inside `return_to` (the /authorize URL to resume), or of the page's own
query, then Accept-Language (RFC 9110 §12.5.4). The client's registered name comes from
the authorization service (domain/clients.py); without one the page says "Sign in".

Every value is HTML-escaped (Jinja2 autoescape); the CSRF token travels in a hidden field,
an HMAC of the `login_csrf` cookie's value (signed double-submit, OWASP CSRF Prevention
Cheat Sheet; domain/login_csrf.py).
"""

from __future__ import annotations

import pathlib
import urllib.parse

from authgate_common.pages import N_, Pages
from fastapi import Request
from fastapi.responses import HTMLResponse

from ..domain.clients import ClientDirectory
from .passkeys import with_passkey_script

LOGIN_PATH = "/api/v1/sso/login"
PACKAGE = pathlib.Path(__file__).resolve().parent.parent
TEMPLATES = PACKAGE / "templates"
TRANSLATIONS = PACKAGE / "translations"
# The messages the login form shows (translated in translations/de/LC_MESSAGES/login.po).
WRONG_CREDENTIALS = N_("Wrong username or password.")
SESSION_EXPIRED = N_("Your session expired, please try again.")
UNAVAILABLE = N_("Sign-in is unavailable right now, please try again in a moment.")


def identity_pages(theme_dir: str = "", *, password_reset: bool = False, registration: bool = False,
                   passkeys: bool = False) -> Pages:
    """The identity service's pages (login, second factor, account), themed by THEME_DIR.
    The flags say which features are on, so the login page links only to what exists:
    `password_reset` ("Forgot your password?"), `registration` ("Create an account"),
    `passkeys` (passwordless sign-in, with the script it needs)."""
    features = {"password_reset": password_reset, "registration": registration, "passkeys": passkeys}
    return Pages(TEMPLATES, TRANSLATIONS, theme_dir or None, globals=features)


def _resumed_query(return_to: str) -> dict[str, str]:
    """The query of the authorization request `return_to` resumes (first value of each)."""
    query = urllib.parse.urlsplit(return_to).query
    return {k: v for k, v in reversed(urllib.parse.parse_qsl(query)[:100])}


def page_locale(pages: Pages, request: Request, return_to: str = "") -> str:
    """The language of an identity page: ui_locales of the resumed authorization request,
    then of this page's query, then Accept-Language."""
    ui_locales = _resumed_query(return_to).get("ui_locales") or request.query_params.get("ui_locales")
    return pages.locale(ui_locales, request.headers.get("accept-language"))


def _printable(value: str) -> str:
    # A lone surrogate (possible in JSON-decoded text) cannot be written as UTF-8.
    return value.encode("utf-8", "replace").decode("utf-8")


def render_login(pages: Pages, clients: ClientDirectory, request: Request, *, return_to: str,
                 csrf_token: str, status_code: int = 200, message: str = "", username: str = "",
                 invalid: bool = False) -> HTMLResponse:
    """The login page; `message` is an English msgid (above), shown translated; `invalid`
    marks the fields as the cause (aria-invalid)."""
    locale = page_locale(pages, request, return_to)
    client = clients.describe(_resumed_query(return_to).get("client_id", ""))
    # Passwordless sign-in runs static/passkeys.js: only then may the page run a script.
    headers = with_passkey_script() if pages.globals.get("passkeys") else None
    return pages.render(
        "login.html", locale, status_code=status_code, headers=headers, action=LOGIN_PATH,
        client_name=_printable(client.name) if client else "",
        message=pages.translate(locale, message) if message else "", invalid=invalid,
        username=_printable(username[:150]), return_to=_printable(return_to),
        csrf_token=_printable(csrf_token))
