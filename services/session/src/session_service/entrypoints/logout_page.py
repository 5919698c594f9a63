"""GET /api/v1/logout: a page with the sign-out buttons, so logout is a same-origin POST
(templates/logout.html).

A logout reached by a plain link (GET) would let any site sign users out with an
<img>; the page only offers the form. Its Referrer-Policy is `same-origin` rather
than `no-referrer` so that browsers without Fetch Metadata still send an `Origin`
the CSRF check can match.
"""

from __future__ import annotations

from authgate_common.http import HTML_SECURITY_HEADERS
from authgate_common.pages import Pages
from fastapi.responses import HTMLResponse

HEADERS = {**HTML_SECURITY_HEADERS, "Referrer-Policy": "same-origin"}


def render_logout(pages: Pages, locale: str, return_to: str) -> HTMLResponse:
    return pages.render("logout.html", locale, headers=HEADERS, return_to=return_to)
