"""Step 9 — consent (OIDC Core §3.1.2.4).

First-party clients (the operator's own applications) need no consent. Every other
client gets consent_required for now: the consent page, where the user approves the
requested scopes and the approval is remembered, comes in a later issue. Until then
third-party clients cannot obtain codes at all, which is the safe default.
"""

from __future__ import annotations

from authgate_common.errors import ConsentRequired

from .context import AuthorizeContext, AuthorizeDeps, Outcome


def check_consent(ctx: AuthorizeContext, deps: AuthorizeDeps) -> Outcome | None:
    if ctx.verified_client.first_party:
        return None
    raise ConsentRequired("This application needs the user's consent, which is not available yet.")
