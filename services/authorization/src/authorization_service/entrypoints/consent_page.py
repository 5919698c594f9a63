"""The consent page (OIDC Core §3.1.2.4): who is asking, for what in plain words (each
scope's description from the catalogue, or its name when it has none), and two buttons.
Plain HTML, no script, nothing from elsewhere; every value escaped; not cached and never
framed (CSP frame-ancestors 'none', X-Frame-Options DENY).

CSP form-action also names the client's redirect origin: after the post the browser is
redirected there, and browsers apply form-action to that redirect too (CSP Level 3
§6.4.1), so 'self' alone would block the user's way back to the application.
"""

from __future__ import annotations

import html
import re
import urllib.parse

from authgate_common.http import HTML_SECURITY_HEADERS
from fastapi.responses import HTMLResponse

from ..domain.authorize.context import ConsentPrompt

CONSENT_PATH = "/api/v1/oauth/consent"
_SOURCE = re.compile(r"^[a-z][a-z0-9+.-]*://[A-Za-z0-9.\-\[\]:]+$")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*$")

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Allow {name}?</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 30rem; margin: 4rem auto; padding: 0 1rem;
 line-height: 1.4; }}
ul {{ padding-left: 1.2rem; }} li {{ margin: .3rem 0; }}
.actions {{ display: flex; gap: 1rem; margin-top: 1.5rem; }}
button {{ flex: 1; padding: .6rem; font-size: 1rem; }}
code {{ background: #eee; padding: 0 .2rem; }}
</style>
</head>
<body>
<main>
<h1>Allow {name} to use your account?</h1>
<p><strong>{name}</strong> (<code>{client_id}</code>) asks for:</p>
<ul aria-label="What the application asks for">
{scopes}
</ul>
<p>Afterwards you go back to <strong>{host}</strong>. You can withdraw this approval later.</p>
<form method="post" action="{action}">
<input type="hidden" name="request" value="{request}">
<input type="hidden" name="csrf_token" value="{csrf_token}">
<div class="actions">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</div>
</form>
</main>
</body>
</html>
"""


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


def render_consent(prompt: ConsentPrompt) -> HTMLResponse:
    esc = html.escape
    name = esc(prompt.client_name or prompt.client_id)
    # Each scope in the catalogue's words (an operator's text: escaped like everything else).
    words = prompt.descriptions if len(prompt.descriptions) == len(prompt.scopes) else prompt.scopes
    items = "\n".join(f"<li>{esc(text)}</li>" for text in words)
    host = urllib.parse.urlsplit(prompt.redirect_uri).netloc or prompt.redirect_uri
    body = _PAGE.format(name=name, client_id=esc(prompt.client_id), scopes=items, host=esc(host),
                        action=CONSENT_PATH, request=esc(prompt.sealed_request),
                        csrf_token=esc(prompt.csrf_token))
    return HTMLResponse(body, headers=consent_headers(prompt.redirect_uri))
