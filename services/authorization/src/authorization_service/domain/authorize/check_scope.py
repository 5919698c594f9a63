"""Step 5 — RFC 6749 §3.3: scope is a space-delimited list; each value must be in the
catalogue (a built-in or the operator's) and registered for the client. A client never
gets more than it registered, and only a first-party client ever gets `account` (whatever
its registration says). An admin scope is never granted here, whatever the client: no
user can consent to it (client_credentials only)."""

from __future__ import annotations

from authgate_common.core.account_scope import ACCOUNT_SCOPE
from authgate_common.core.admin_scope import is_admin_scope
from authgate_common.core.errors import InvalidScope

from .context import AuthorizeContext, AuthorizeDeps, Outcome


def check_scope(ctx: AuthorizeContext, deps: AuthorizeDeps) -> Outcome | None:
    requested = tuple(dict.fromkeys(s for s in ctx.param("scope").split(" ") if s))
    if not requested:
        raise InvalidScope("scope is required.")
    catalog = deps.catalog.current()
    if any(not catalog.knows(s) for s in requested):
        raise InvalidScope("The request contains an unknown scope.")
    if any(is_admin_scope(s) for s in requested):
        raise InvalidScope("An admin scope is obtained by client_credentials only, never at /authorize.")
    if any(s not in ctx.verified_client.scopes for s in requested):
        raise InvalidScope("The request asks for a scope this client is not registered for.")
    if ACCOUNT_SCOPE in requested and not ctx.verified_client.first_party:
        raise InvalidScope("Only a first-party client may ask for the account scope.")
    ctx.scopes = requested
    return None
