"""GET /api/v1/logout: a page with the sign-out buttons, so logout is a same-origin POST.

A logout reached by a plain link (GET) would let any site sign users out with an
<img>; the page only offers the form. Its Referrer-Policy is `same-origin` rather
than `no-referrer` so that browsers without Fetch Metadata still send an `Origin`
the CSRF check can match.
"""

from __future__ import annotations

import html

from authgate_common.http import HTML_SECURITY_HEADERS
from fastapi.responses import HTMLResponse

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign out</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}}
button{{display:block;width:100%;padding:.6rem;margin:.5rem 0;font-size:1rem}}</style></head>
<body><h1>Sign out</h1>
<form method="post" action="/api/v1/logout">
<input type="hidden" name="return_to" value="{return_to}">
<button type="submit">Sign out on every device</button></form>
<form method="post" action="/api/v1/logout?scope=current">
<input type="hidden" name="return_to" value="{return_to}">
<button type="submit">Sign out on this device only</button></form>
</body></html>"""

HEADERS = {**HTML_SECURITY_HEADERS, "Referrer-Policy": "same-origin"}


def render_logout(return_to: str) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(return_to=html.escape(return_to, quote=True)), headers=HEADERS)
