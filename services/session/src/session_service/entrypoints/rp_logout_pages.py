"""The end-session endpoint's pages: confirm, signed out, refused (templates/rp_logout_*.html).
Plain HTML with no script or third-party resource, every value escaped, never cached or
framed (CSP `frame-ancestors 'none'`). The confirmation form carries the request's
parameters, the CSRF token and the page's language back in hidden fields; it has no
`form-action` in its CSP because the post that follows may redirect to the client's
registered post-logout URI. A refused request's description is developer-facing text
(shown as is); everything around it is translated."""

from __future__ import annotations

from authgate_common.pages import Pages
from fastapi.responses import HTMLResponse

from ..domain.rp_logout import Confirm

END_SESSION_PATH = "/api/v1/oauth/logout"


def _text(value: str) -> str:
    # A lone surrogate (possible in decoded input) cannot be written as UTF-8.
    return value.encode("utf-8", "replace").decode("utf-8")


def render_confirm(pages: Pages, locale: str, confirm: Confirm) -> HTMLResponse:
    req = confirm.request
    carried = {
        "id_token_hint": req.id_token_hint,
        "client_id": req.client_id,
        "post_logout_redirect_uri": req.post_logout_redirect_uri,
        "state": req.state,
        "csrf_token": confirm.csrf_token,
        "ui_locales": locale,
    }
    fields = [(name, _text(value)) for name, value in carried.items() if value]
    return pages.render("rp_logout_confirm.html", locale, status_code=400 if confirm.expired else 200,
                        expired=confirm.expired, client_name=_text(confirm.client_name),
                        action=END_SESSION_PATH, fields=fields)


def render_signed_out(pages: Pages, locale: str) -> HTMLResponse:
    return pages.render("rp_logout_signed_out.html", locale)


def render_refused(pages: Pages, locale: str, error: str, description: str,
                   status_code: int) -> HTMLResponse:
    return pages.render("rp_logout_refused.html", locale, status_code=status_code,
                        error=_text(error), description=_text(description))
