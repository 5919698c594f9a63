"""The consent page (OIDC Core §3.1.2.4; templates/consent.html): who is asking, for what
in plain words (each scope's description from the catalogue, translated when a catalogue
of the language has it, or its name when it has none), and two buttons. Plain HTML, no
script, nothing from elsewhere; every value escaped; not cached and never framed (CSP
frame-ancestors 'none', X-Frame-Options DENY). The form carries the page's language, so
an error page after the post speaks it too.

CSP form-action also names the client's redirect origin: after the post the browser is
redirected there, and browsers apply form-action to that redirect too (CSP Level 3
§6.4.1), so 'self' alone would block the user's way back to the application.
"""

from __future__ import annotations

import re
import urllib.parse

from authgate_common.http import HTML_SECURITY_HEADERS
from authgate_common.pages import Pages
from fastapi.responses import HTMLResponse

from ..domain.authorize.context import ConsentPrompt

CONSENT_PATH = "/api/v1/oauth/consent"
_SOURCE = re.compile(r"^[a-z][a-z0-9+.-]*://[A-Za-z0-9.\-\[\]:]+$")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*$")


def redirect_source(uri: str) -> str:
    """The CSP source expression for a registered redirect URI, or '' when it has none
    that is safe to write into the header."""
    parts = urllib.parse.urlsplit(uri)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        source = f"{scheme}://{parts.netloc.rpartition('@')[2]}"
        return source if _SOURCE.match(source) else ""
    return f"{scheme}:" if _SCHEME.match(scheme) else ""  # a native app's private scheme


def consent_headers(redirect_uri: str) -> dict[str, str]:
    headers = dict(HTML_SECURITY_HEADERS)
    source = redirect_source(redirect_uri)
    form_action = f"form-action 'self' {source}" if source else "form-action 'self'"
    headers["Content-Security-Policy"] += f"; {form_action}"
    return headers


def render_consent(pages: Pages, locale: str, prompt: ConsentPrompt) -> HTMLResponse:
    # Each scope in the catalogue's words (an operator's text: escaped like everything else).
    words = prompt.descriptions if len(prompt.descriptions) == len(prompt.scopes) else prompt.scopes
    host = urllib.parse.urlsplit(prompt.redirect_uri).netloc or prompt.redirect_uri
    return pages.render(
        "consent.html", locale, headers=consent_headers(prompt.redirect_uri),
        name=prompt.client_name or prompt.client_id, client_id=prompt.client_id,
        scopes=[pages.translate(locale, text) for text in words], host=host, action=CONSENT_PATH,
        request=prompt.sealed_request, csrf_token=prompt.csrf_token)
