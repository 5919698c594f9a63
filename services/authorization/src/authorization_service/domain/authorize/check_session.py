"""Step 10 — who is signing in: the SSO cookie, checked with the session service.

No cookie, or one the session service does not accept: the browser goes to the
login page and comes back to this very request afterwards (with a fresh-login marker
when the request demands one, see fresh_login.py; with `acr` on the login URL when the
request needs a second factor, check_acr.py, so that one sign-in asks for both). With prompt=none the
client asked not to show any UI, so it gets login_required instead (OIDC Core
§3.1.2.6). If the session service cannot answer, the request fails closed (503).
"""

from __future__ import annotations

from authgate_common.core.errors import LoginRequired

from .check_acr import login_hint
from .context import AuthorizeContext, AuthorizeDeps, Outcome
from .fresh_login import to_login

# A cookie longer than this is not one the session service issued; do not forward it.
MAX_SESSION_TOKEN_LENGTH = 512


def check_session(ctx: AuthorizeContext, deps: AuthorizeDeps) -> Outcome | None:
    token = ctx.request.session_token or ""
    session = None
    if token and len(token) <= MAX_SESSION_TOKEN_LENGTH:
        session = deps.sessions.validate(token)
    if session is None:
        if "none" in ctx.prompt:
            raise LoginRequired("The user is not signed in.")
        return to_login(ctx, deps, acr=login_hint(ctx))
    ctx.session = session
    return None
