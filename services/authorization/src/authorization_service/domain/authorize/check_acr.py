"""Step 12 — the class of sign-in the request needs (OIDC Core §3.1.2.1 `acr_values`,
§2 `acr`; RFC 9470 step-up): the first value of `acr_values` authgate knows
(authgate_common.core.acr), raised to `urn:authgate:acr:mfa` when the client is registered
with require_mfa. A session whose `amr` does not reach it goes back to the login page with
`acr` beside `return_to`; the hint only makes sign-in stricter, so it is not signed: this
check runs again when the browser comes back. The request comes back unchanged (any
fresh-login marker it carries still proves the login, since a step-up keeps the sid and
only moves auth_time forward). With prompt=none there is no page to show:
interaction_required (§3.1.2.6).
"""

from __future__ import annotations

from authgate_common.core.acr import ACR_MFA, requested_acr, satisfies
from authgate_common.core.errors import InteractionRequired

from .context import AuthorizeContext, AuthorizeDeps, Outcome, Redirect
from .responses import login_location

ACR_PARAM = "acr"


def needed_acr(ctx: AuthorizeContext) -> str | None:
    """The class this request needs, or None when any sign-in will do."""
    if ctx.verified_client.require_mfa:
        return ACR_MFA
    return requested_acr(ctx.param("acr_values"))


def login_hint(ctx: AuthorizeContext) -> str:
    """The `acr` to put on the login URL: only the class above one factor needs saying."""
    return ACR_MFA if needed_acr(ctx) == ACR_MFA else ""


def check_acr(ctx: AuthorizeContext, deps: AuthorizeDeps) -> Outcome | None:
    session = ctx.session
    if session is None:
        raise RuntimeError("check_session must run before check_acr")
    needed = needed_acr(ctx)
    if satisfies(session.amr, needed):
        return None
    if "none" in ctx.prompt:
        raise InteractionRequired("The sign-in needs a further factor, which prompt=none does not allow.")
    return Redirect(login_location(deps.login_path, ctx.request.return_to, acr=login_hint(ctx)))
