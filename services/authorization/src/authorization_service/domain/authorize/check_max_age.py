"""Step 9 — OIDC Core §3.1.2.1 `max_age`: the longest time, in seconds, since the user
last actively authenticated. A non-negative integer; anything else is invalid_request.
Whether the session is too old is decided in check_fresh_login, once it is known."""

from __future__ import annotations

from authgate_common.core.errors import InvalidRequest

from .context import AuthorizeContext, AuthorizeDeps, Outcome

MAX_DIGITS = 10


def check_max_age(ctx: AuthorizeContext, deps: AuthorizeDeps) -> Outcome | None:
    value = ctx.param("max_age")
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > MAX_DIGITS:
        raise InvalidRequest("max_age must be a non-negative whole number of seconds.")
    ctx.max_age = int(value)
    return None
