"""Step 1 — RFC 6749 §3.1: "Request and response parameters MUST NOT be included more
than once", and "parameters sent without a value MUST be treated as if they were
omitted". A repeated parameter is refused rather than letting one copy win: two
copies of redirect_uri or state are exactly how mix-up attacks start. The one exception
is RFC 8707's `resource`, repeatable by definition (check_resource.py reads every copy).

This runs before the redirect URI is verified, so its error is always a page.
"""

from __future__ import annotations

from authgate_common.core.errors import InvalidRequest
from authgate_common.core.resource_indicators import RESOURCE

from .context import AuthorizeContext, AuthorizeDeps, Outcome


def check_no_duplicate_params(ctx: AuthorizeContext, deps: AuthorizeDeps) -> Outcome | None:
    seen: set[str] = set()
    for name, value in ctx.request.pairs:
        if name in seen and name != RESOURCE:
            raise InvalidRequest(f"The parameter {name[:64]!r} was included more than once.")
        seen.add(name)
        if "\x00" in name or "\x00" in value:
            raise InvalidRequest("The request contains a NUL character.")
        if value:
            ctx.params[name] = value
    return None
