"""The login page: plain HTML, usable without JavaScript or third-party resources.

Every value is HTML-escaped; the CSRF token travels in a hidden field, an HMAC of the
`login_csrf` cookie's value (signed double-submit, OWASP CSRF Prevention Cheat Sheet;
domain/login_csrf.py).
"""

from __future__ import annotations

from html import escape

from authgate_common.http import HTML_SECURITY_HEADERS
from fastapi.responses import HTMLResponse

LOGIN_PATH = "/api/v1/sso/login"

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 22rem; margin: 4rem auto; padding: 0 1rem; }}
label, input, button {{ display: block; width: 100%; box-sizing: border-box; }}
input {{ margin: .25rem 0 1rem; padding: .5rem; font-size: 1rem; }}
button {{ padding: .6rem; font-size: 1rem; }}
.error {{ color: #a00; border-left: 4px solid #a00; padding-left: .5rem; }}
</style>
</head>
<body>
<main>
<h1>Sign in</h1>
{message}<form method="post" action="{action}">
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none"
 spellcheck="false" required autofocus value="{username}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<input type="hidden" name="return_to" value="{return_to}">
<input type="hidden" name="csrf_token" value="{csrf_token}">
<button type="submit">Sign in</button>
</form>
</main>
</body>
</html>
"""


def _printable(value: str) -> str:
    # A lone surrogate (possible in JSON-decoded text) cannot be written as UTF-8.
    return escape(value.encode("utf-8", "replace").decode("utf-8"), quote=True)


def render_login(*, return_to: str, csrf_token: str, status_code: int = 200, message: str = "",
                 username: str = "") -> HTMLResponse:
    notice = f'<p class="error" role="alert">{escape(message)}</p>\n' if message else ""
    body = _PAGE.format(message=notice, action=LOGIN_PATH, username=_printable(username[:150]),
                        return_to=_printable(return_to), csrf_token=_printable(csrf_token))
    return HTMLResponse(body, status_code=status_code, headers=dict(HTML_SECURITY_HEADERS))
