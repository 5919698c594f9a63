"""Step 3b — OAuth 2.0 Multiple Response Type Encoding Practices §2.1 and OAuth 2.0 Form
Post Response Mode §2: `response_mode` is `query` (the code flow's default) or, when
FORM_POST_ENABLED, `form_post`; anything else (fragment, jwt, …) is invalid_request.
It runs right after the redirect URI is verified, so its own error goes back the
default way (a redirect), and every later answer, code or error, in the chosen mode."""

from __future__ import annotations

from authgate_common.core.errors import InvalidRequest

from .context import AuthorizeContext, AuthorizeDeps, Outcome
from .responses import FORM_POST

QUERY = "query"


def supported_modes(form_post_enabled: bool) -> tuple[str, ...]:
    return (QUERY, FORM_POST) if form_post_enabled else (QUERY,)


def check_response_mode(ctx: AuthorizeContext, deps: AuthorizeDeps) -> Outcome | None:
    mode = ctx.param("response_mode") or QUERY
    if mode not in supported_modes(deps.form_post_enabled):
        modes = ", ".join(supported_modes(deps.form_post_enabled))
        raise InvalidRequest(f"response_mode must be one of: {modes}.")
    ctx.response_mode = mode
    return None
