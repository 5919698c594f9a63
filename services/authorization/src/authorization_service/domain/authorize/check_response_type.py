"""Step 4 — RFC 6749 §3.1.1, §4.1.1: only the code flow (`response_type=code`) exists
here; implicit and hybrid flows are not offered (RFC 9700 §2.1.2). The client must
be registered for the authorization_code grant."""

from __future__ import annotations

from authgate_common.core.errors import InvalidRequest, UnauthorizedClient, UnsupportedResponseType

from .context import AuthorizeContext, AuthorizeDeps, Outcome


def check_response_type(ctx: AuthorizeContext, deps: AuthorizeDeps) -> Outcome | None:
    response_type = ctx.param("response_type")
    if not response_type:
        raise InvalidRequest("response_type is required.")
    if response_type != "code":
        raise UnsupportedResponseType("Only response_type=code is supported.")
    if "authorization_code" not in ctx.verified_client.grant_types:
        raise UnauthorizedClient("This client is not registered for the authorization_code grant.")
    return None
