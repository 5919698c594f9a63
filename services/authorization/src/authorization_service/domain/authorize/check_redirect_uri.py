"""Step 3 — RFC 6749 §3.1.2.3, RFC 9700 §4.1.3: the redirect_uri must equal one the
client registered, character for character. It may be omitted only when the client
registered exactly one. Until this passes, errors are a page, never a redirect (an
open redirector otherwise, RFC 6749 §4.1.2.1)."""

from __future__ import annotations

from authgate_common.core.errors import InvalidRequest

from ..redirect_uris import has_control_characters
from .context import AuthorizeContext, AuthorizeDeps, Outcome


def check_redirect_uri(ctx: AuthorizeContext, deps: AuthorizeDeps) -> Outcome | None:
    client = ctx.verified_client
    given = ctx.param("redirect_uri")
    if not given:
        if len(client.redirect_uris) != 1:
            raise InvalidRequest("The request has no redirect_uri and the application registered several.")
        ctx.redirect_uri = client.redirect_uris[0]
        return None
    if has_control_characters(given):
        raise InvalidRequest("The redirect_uri contains spaces or control characters.")
    if given not in client.redirect_uris:
        raise InvalidRequest("The redirect_uri is not registered for this application.")
    ctx.redirect_uri = given
    return None
