"""Step 13 — consent (OIDC Core §3.1.2.4, §3.1.2.6).

First-party clients (the operator's own applications) need no consent. For any other
client the user must have approved every requested scope before; otherwise, or when
the client sends `prompt=consent`, the consent page is shown. With `prompt=none` no page
may be shown, so the client gets consent_required instead.

The page carries the verified request sealed and bound to this session (consent/pending.py);
the user's answer is handled by consent/decision.py.
"""

from __future__ import annotations

from authgate_common.core.errors import ConsentRequired

from ..consent.pending import PendingRequest
from .context import AuthorizeContext, AuthorizeDeps, ConsentPrompt, Outcome


def check_consent(ctx: AuthorizeContext, deps: AuthorizeDeps) -> Outcome | None:
    client, session = ctx.verified_client, ctx.session
    if session is None:
        raise RuntimeError("check_session must run before check_consent")
    if client.first_party:
        return None
    forced = "consent" in ctx.prompt
    if not forced and deps.consents.covers(session.user_id, client.client_id, ctx.scopes):
        return None
    if "none" in ctx.prompt:
        raise ConsentRequired("The user has not approved this application for these scopes.")
    pending = PendingRequest(
        client_id=client.client_id, redirect_uri=ctx.verified_redirect_uri, scopes=ctx.scopes,
        state=ctx.param("state"), nonce=ctx.param("nonce"), code_challenge=ctx.code_challenge,
        code_challenge_method=ctx.code_challenge_method, sid=session.sid,
        issued_at=int(deps.clock.now().timestamp()), response_mode=ctx.response_mode,
        resources=ctx.resources)
    return ConsentPrompt(client_id=client.client_id, client_name=client.name, scopes=ctx.scopes,
                         redirect_uri=ctx.verified_redirect_uri,
                         sealed_request=deps.pending.seal(pending),
                         csrf_token=deps.csrf.for_sid(session.sid),
                         descriptions=tuple(map(deps.catalog.current().description, ctx.scopes)))
