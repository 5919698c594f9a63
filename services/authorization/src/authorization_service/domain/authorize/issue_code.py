"""Step 14 — RFC 6749 §4.1.2, RFC 9207 §2: store a code bound to the client, the
redirect URI, the PKCE challenge, the scopes and the session, and send the browser
back with `code`, `state` (only when the client sent one) and `iss`, in the request's
response mode (a redirect, or a form post)."""

from __future__ import annotations

from ..models import CodeRequest
from .context import AuthorizeContext, AuthorizeDeps, Outcome
from .responses import client_response


def issue_code(ctx: AuthorizeContext, deps: AuthorizeDeps) -> Outcome | None:
    session = ctx.session
    if session is None:
        raise RuntimeError("check_session must run before issue_code")
    redirect_uri = ctx.verified_redirect_uri
    code = deps.codes.issue(CodeRequest(
        client_id=ctx.verified_client.client_id, user_id=session.user_id, sid=session.sid,
        redirect_uri=redirect_uri, scopes=ctx.scopes, nonce=ctx.param("nonce"),
        code_challenge=ctx.code_challenge, code_challenge_method=ctx.code_challenge_method,
        auth_time=session.auth_time, amr=session.amr, resources=ctx.resources))
    return client_response(redirect_uri, {"code": code}, ctx.param("state"), deps.issuer,
                           ctx.response_mode)
