"""Step 7 — OIDC Core §3.1.2.1, §15.5.2: `nonce` binds the ID token to the browser
session that asked for it. Optional in the code flow, unless the client was registered
with require_nonce: then an OpenID request without one is refused (`invalid_request`,
redirected, as the redirect URI is verified by now)."""

from __future__ import annotations

from authgate_common.core.errors import InvalidRequest

from .context import AuthorizeContext, AuthorizeDeps, Outcome


def check_nonce(ctx: AuthorizeContext, deps: AuthorizeDeps) -> Outcome | None:
    if ctx.verified_client.require_nonce and "openid" in ctx.scopes and not ctx.param("nonce"):
        raise InvalidRequest("nonce is required for this client.")
    return None
