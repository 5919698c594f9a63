"""Step 8 — who is signing in: the SSO cookie, checked with the session service.

No cookie, or one the session service does not accept: the browser goes to the
login page and comes back to this very request afterwards. With prompt=none the
client asked not to show any UI, so it gets login_required instead (OIDC Core
§3.1.2.6). If the session service cannot answer, the request fails closed (503).
"""

from __future__ import annotations

from authgate_common.errors import LoginRequired

from .context import AuthorizeContext, AuthorizeDeps, Outcome, Redirect
from .responses import login_location

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
        return Redirect(login_location(deps.login_path, ctx.request.return_to))
    ctx.session = session
    return None
