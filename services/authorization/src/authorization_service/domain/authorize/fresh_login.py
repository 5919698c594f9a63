"""Where to send the browser to sign in, and what it comes back to.

Normally it comes back to the very request. When the request demands a fresh login
(`prompt=login`, or `max_age`), it comes back without `login` in `prompt` and with a
signed marker (login_marker.py), so the check accepts the new login instead of asking
again (OIDC Core §3.1.2.1, §3.1.2.3).
"""

from __future__ import annotations

import urllib.parse

from .context import AuthorizeContext, AuthorizeDeps, Redirect
from .login_marker import MARKER_PARAM
from .responses import login_location


def needs_fresh_login(ctx: AuthorizeContext) -> bool:
    return "login" in ctx.prompt or ctx.max_age is not None


def return_with_marker(ctx: AuthorizeContext, deps: AuthorizeDeps) -> str:
    marker = deps.login_markers.make(ctx.verified_client.client_id, ctx.session, deps.clock.now())
    pairs: list[tuple[str, str]] = []
    # The query being returned to (a pushed request's is its ticket, check_pushed_request.py).
    query = ctx.request.return_to.partition("?")[2]
    for name, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
        if name == MARKER_PARAM:
            continue
        if name == "prompt":
            value = " ".join(v for v in value.split(" ") if v and v != "login")
            if not value:
                continue
        pairs.append((name, value))
    pairs.append((MARKER_PARAM, marker))
    path = ctx.request.return_to.split("?", 1)[0]
    return f"{path}?{urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote)}"


def to_login(ctx: AuthorizeContext, deps: AuthorizeDeps, acr: str = "") -> Redirect:
    """`acr`: the login URL's hint for a stronger sign-in (check_acr.py)."""
    return_to = return_with_marker(ctx, deps) if needs_fresh_login(ctx) else ctx.request.return_to
    return Redirect(login_location(deps.login_path, return_to, acr))
