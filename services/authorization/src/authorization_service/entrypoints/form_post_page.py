"""The form post response (OAuth 2.0 Form Post Response Mode §2, §5): the authorization
response's parameters (code, state, iss; or error, error_description, state, iss) as
hidden fields of a form the browser POSTs to the verified redirect URI.

The one inline script submits the form at once; the CSP allows it by its SHA-256 hash
(CSP Level 3 §8.3), never 'unsafe-inline', and a button does the same where scripts do
not run. form-action names the redirect URI's origin (consent_page.consent_headers), and
the page is never cached (§5: it carries a code) or framed.
"""

from __future__ import annotations

import base64
import hashlib
import urllib.parse

from authgate_common.http import NO_STORE
from authgate_common.pages import Pages
from fastapi.responses import HTMLResponse

from ..domain.authorize.context import FormPost
from .consent_page import consent_headers

# Written into the page as is: it holds no character the template would escape.
SUBMIT_SCRIPT = "document.forms[0].submit();"
SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(SUBMIT_SCRIPT.encode()).digest()).decode()


def form_post_headers(action: str) -> dict[str, str]:
    headers = {**consent_headers(action), **NO_STORE}
    headers["Content-Security-Policy"] += f"; script-src '{SCRIPT_HASH}'"
    return headers


def render_form_post(pages: Pages, locale: str, outcome: FormPost) -> HTMLResponse:
    host = urllib.parse.urlsplit(outcome.action).netloc or outcome.action
    return pages.render("form_post.html", locale, headers=form_post_headers(outcome.action),
                        action=outcome.action, fields=list(outcome.fields), host=host,
                        script=SUBMIT_SCRIPT)
