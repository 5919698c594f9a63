"""Step 11 — OIDC Core §3.1.2.1: `prompt=login` asks for the user to sign in again even
with a live session; `max_age=N` asks for it when the last sign-in is more than N seconds
old. Either way the browser goes to the login page and comes back with a marker proving
the login happened after this request (login_marker.py). With `prompt=none` there is no
page to show, so a too-old session gets login_required (§3.1.2.6).

The login URL carries no `acr` hint here: with a live session the login page would take
the hint for a step-up of that session (same sid), which cannot prove a fresh login. A
fresh login that still lacks a factor the request needs is sent back by check_acr.
"""

from __future__ import annotations

from authgate_common.core.errors import LoginRequired

from .context import AuthorizeContext, AuthorizeDeps, Outcome
from .fresh_login import to_login
from .login_marker import MARKER_PARAM


def _too_old(ctx: AuthorizeContext, deps: AuthorizeDeps) -> bool:
    if ctx.max_age is None or ctx.session is None:
        return False
    auth_time = ctx.session.auth_time
    # A session that cannot say when the user authenticated cannot satisfy max_age.
    return auth_time is None or (deps.clock.now() - auth_time).total_seconds() > ctx.max_age


def check_fresh_login(ctx: AuthorizeContext, deps: AuthorizeDeps) -> Outcome | None:
    session = ctx.session
    if session is None:
        raise RuntimeError("check_session must run before check_fresh_login")
    if "login" not in ctx.prompt and not _too_old(ctx, deps):
        return None
    if deps.login_markers.proves_fresh(ctx.param(MARKER_PARAM), ctx.verified_client.client_id,
                                       session, deps.clock.now()):
        return None
    if "none" in ctx.prompt:
        raise LoginRequired("The user must sign in again, which prompt=none does not allow.")
    return to_login(ctx, deps)
