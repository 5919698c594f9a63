"""The end-session endpoint's pages: confirm, signed out, refused. Plain HTML with no
script or third-party resource, every value escaped, never cached or framed (CSP
`frame-ancestors 'none'`). The confirmation form carries the request's parameters and
the CSRF token back in hidden fields; it has no `form-action` in its CSP because the
post that follows may redirect to the client's registered post-logout URI."""

from __future__ import annotations

from html import escape

from authgate_common.http import HTML_SECURITY_HEADERS
from fastapi.responses import HTMLResponse

from ..domain.rp_logout import Confirm

END_SESSION_PATH = "/api/v1/oauth/logout"

_STYLE = """<style>
body {{ font-family: system-ui, sans-serif; max-width: 28rem; margin: 4rem auto; padding: 0 1rem; }}
button {{ display: block; width: 100%; padding: .6rem; margin: 1rem 0; font-size: 1rem; }}
.error {{ color: #a00; border-left: 4px solid #a00; padding-left: .5rem; }}
code {{ background: #eee; padding: 0 .2rem; }}
</style>"""

_HEAD = (
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
"""
    + _STYLE
    + "</head>\n<body><main>\n"
)
_FOOT = "</main></body></html>\n"

_CONFIRM = """<h1>Sign out?</h1>
{notice}<p>{asker} asks you to sign out. Signing out here ends your single sign-on session
on this device, and the applications you used with it are told.</p>
<form method="post" action="{action}">
{fields}<button type="submit">Sign out</button>
</form>
<p>If you did not ask to sign out, close this page: you stay signed in.</p>
"""
_SIGNED_OUT = """<h1>You are signed out</h1>
<p role="status">You have been signed out. You can close this page.</p>
"""
_ERROR = """<h1>This sign-out request cannot continue</h1>
<p class="error" role="alert">{description}</p>
<p>The application that sent you here made a request this server will not accept, so you
were not sent back to it. Error code: <code>{error}</code>.</p>
"""


def _text(value: str) -> str:
    # A lone surrogate (possible in decoded input) cannot be written as UTF-8.
    return escape(value.encode("utf-8", "replace").decode("utf-8"), quote=True)


def _page(title: str, body: str, status_code: int) -> HTMLResponse:
    return HTMLResponse(
        _HEAD.format(title=title) + body + _FOOT, status_code=status_code, headers=dict(HTML_SECURITY_HEADERS)
    )


def render_confirm(confirm: Confirm) -> HTMLResponse:
    req = confirm.request
    carried = {
        "id_token_hint": req.id_token_hint,
        "client_id": req.client_id,
        "post_logout_redirect_uri": req.post_logout_redirect_uri,
        "state": req.state,
        "csrf_token": confirm.csrf_token,
    }
    fields = "".join(
        f'<input type="hidden" name="{name}" value="{_text(value)}">\n'
        for name, value in carried.items()
        if value
    )
    notice = (
        '<p class="error" role="alert">The sign-out form had expired. Confirm again.</p>\n'
        if confirm.expired
        else ""
    )
    asker = f"The application “{_text(confirm.client_name)}”" if confirm.client_name else "An application"
    body = _CONFIRM.format(notice=notice, asker=asker, action=END_SESSION_PATH, fields=fields)
    return _page("Sign out", body, 400 if confirm.expired else 200)


def render_signed_out() -> HTMLResponse:
    return _page("Signed out", _SIGNED_OUT, 200)


def render_refused(error: str, description: str, status_code: int) -> HTMLResponse:
    return _page(
        "Sign-out request refused",
        _ERROR.format(description=_text(description), error=_text(error)),
        status_code,
    )
