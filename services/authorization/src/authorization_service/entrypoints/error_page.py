"""The page shown when an authorization request cannot be sent back to the client
(RFC 6749 §4.1.2.1): plain words, every value escaped, nothing cached or framed."""

from __future__ import annotations

import html

from authgate_common.http import HTML_SECURITY_HEADERS
from fastapi.responses import HTMLResponse

from ..domain.authorize.context import ErrorPage

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign-in request refused</title>
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem}}
code{{background:#eee;padding:0 .2rem}}</style></head>
<body><h1>This sign-in request cannot continue</h1>
<p>{description}</p>
<p>The application that sent you here made a request this server will not accept, so you
were not sent back to it. Error code: <code>{error}</code>.</p>
</body></html>"""


def render_error_page(page: ErrorPage) -> HTMLResponse:
    body = _PAGE.format(description=html.escape(page.description), error=html.escape(page.error))
    return HTMLResponse(body, status_code=page.status, headers=dict(HTML_SECURITY_HEADERS))
