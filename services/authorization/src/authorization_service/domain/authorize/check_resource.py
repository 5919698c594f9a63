"""Step 5b — RFC 8707 §2.1: `resource` (repeatable) names the APIs the client wants the
access token for. Each must be an absolute URI without a fragment and the audience of an
API one of the requested scopes opens (which are within the client's registration), else
invalid_target, sent to the client (the redirect URI is verified by now). They are stored
with the code (issue_code.py) and hold the token exchange to them. RESOURCE_INDICATORS_
ENABLED off: the parameter is ignored, as before."""

from __future__ import annotations

from authgate_common.core.resource_indicators import (
    RESOURCE,
    allowed_resources,
    check_targets,
    parse_resources,
)

from .context import AuthorizeContext, AuthorizeDeps, Outcome


def check_resource(ctx: AuthorizeContext, deps: AuthorizeDeps) -> Outcome | None:
    if not deps.resource_indicators_enabled:
        return None
    resources = parse_resources(value for name, value in ctx.request.pairs if name == RESOURCE)
    if resources:
        check_targets(resources, allowed_resources(deps.catalog.current(), ctx.scopes, deps.issuer))
    ctx.resources = resources
    return None
