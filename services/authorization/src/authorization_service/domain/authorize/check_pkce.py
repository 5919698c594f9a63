"""Step 6 — RFC 7636 §4.3, §4.4.1; RFC 9700 §2.1.1: PKCE with S256 is required.

RFC 7636 lets the method default to `plain`; authgate refuses `plain` and a missing
method alike, since plain gives no protection once the request leaks. Only a
confidential client registered with pkce_optional may omit the challenge.
"""

from __future__ import annotations

from authgate_common.core.errors import InvalidRequest

from ..pkce import S256, is_valid_challenge
from .context import AuthorizeContext, AuthorizeDeps, Outcome


def check_pkce(ctx: AuthorizeContext, deps: AuthorizeDeps) -> Outcome | None:
    challenge, method = ctx.param("code_challenge"), ctx.param("code_challenge_method")
    client = ctx.verified_client
    if challenge:
        if method != S256:
            raise InvalidRequest("code_challenge_method must be S256.")
        if not is_valid_challenge(challenge):
            raise InvalidRequest("code_challenge must be 43 base64url characters (S256).")
        ctx.code_challenge, ctx.code_challenge_method = challenge, method
    elif method:
        raise InvalidRequest("code_challenge_method was sent without code_challenge.")
    elif client.is_public or not client.pkce_optional:
        raise InvalidRequest("code_challenge is required (PKCE with S256).")
    return None
