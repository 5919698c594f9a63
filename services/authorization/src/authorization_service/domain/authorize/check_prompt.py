"""Step 8 — OIDC Core §3.1.2.1: prompt is a space-delimited list of none, login,
consent, select_account; `none` must stand alone.

`none`: no page may be shown (login_required / consent_required instead); `login`: sign
in again (check_fresh_login); `consent`: show the consent page even when approved before
(check_consent); `select_account` is accepted and needs nothing, one account per session.
"""

from __future__ import annotations

from authgate_common.core.errors import InvalidRequest

from .context import AuthorizeContext, AuthorizeDeps, Outcome

PROMPT_VALUES = frozenset({"none", "login", "consent", "select_account"})


def check_prompt(ctx: AuthorizeContext, deps: AuthorizeDeps) -> Outcome | None:
    values = frozenset(v for v in ctx.param("prompt").split(" ") if v)
    if not values <= PROMPT_VALUES:
        raise InvalidRequest("prompt contains an unsupported value.")
    if "none" in values and len(values) > 1:
        raise InvalidRequest("prompt=none cannot be combined with other values.")
    ctx.prompt = values
    return None
