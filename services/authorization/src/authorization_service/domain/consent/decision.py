"""The user's answer on the consent page (OIDC Core §3.1.2.4; RFC 6749 §4.1.2, §4.1.2.1).

Nothing in the form is trusted as sent: the CSRF token must be the one for the current
session, the pending request must carry our seal, be recent and belong to the same
session, and the client must still be registered with that redirect URI and those
scopes. Any failure is a page (400), never a redirect. Then:
allow → the approval is remembered and a code is issued, exactly as /authorize would;
deny  → `error=access_denied` with `state` and `iss` back to the client; both in the
request's response mode (a redirect, or a form post).
"""

from __future__ import annotations

from dataclasses import dataclass

from authgate_common.core.errors import AccessDenied

from ..authorize.check_session import MAX_SESSION_TOKEN_LENGTH
from ..authorize.context import AuthorizeDeps, ErrorPage, Outcome
from ..authorize.responses import client_response, error_params
from ..models import CodeRequest, SessionInfo
from .pending import PendingRequest

ALLOW, DENY = "allow", "deny"
EXPIRED = ("This approval form has expired or did not come from this site. "
           "Go back to the application and start again.")


@dataclass(frozen=True)
class ConsentAnswer:
    sealed_request: str
    csrf_token: str
    decision: str
    session_token: str | None


class ConsentDecision:
    def __init__(self, deps: AuthorizeDeps) -> None:
        self._deps = deps

    def __call__(self, answer: ConsentAnswer) -> Outcome:
        if not answer.csrf_token or not answer.sealed_request:
            return ErrorPage("invalid_request", EXPIRED)
        if answer.decision not in (ALLOW, DENY):
            return ErrorPage("invalid_request", "Choose Allow or Deny.")
        session = self._session(answer.session_token)
        if session is None:
            return ErrorPage("login_required", "You are no longer signed in. Go back to the "
                                               "application and start again.")
        deps = self._deps
        if not deps.csrf.matches(session.sid, answer.csrf_token):
            return ErrorPage("invalid_request", EXPIRED)
        pending = deps.pending.open(answer.sealed_request, deps.clock.now())
        if pending is None or pending.sid != session.sid or not self._still_allowed(pending):
            return ErrorPage("invalid_request", EXPIRED)
        if answer.decision == DENY:
            denied = AccessDenied("The user denied the request.")
            return client_response(pending.redirect_uri, error_params(denied), pending.state,
                                   deps.issuer, pending.response_mode)
        deps.consents.grant(session.user_id, pending.client_id, pending.scopes)
        code = deps.codes.issue(CodeRequest(
            client_id=pending.client_id, user_id=session.user_id, sid=session.sid,
            redirect_uri=pending.redirect_uri, scopes=pending.scopes, nonce=pending.nonce,
            code_challenge=pending.code_challenge, code_challenge_method=pending.code_challenge_method,
            auth_time=session.auth_time, amr=session.amr, resources=pending.resources))
        return client_response(pending.redirect_uri, {"code": code}, pending.state, deps.issuer,
                               pending.response_mode)

    def _session(self, token: str | None) -> SessionInfo | None:
        if not token or len(token) > MAX_SESSION_TOKEN_LENGTH:
            return None
        return self._deps.sessions.validate(token)

    def _still_allowed(self, pending: PendingRequest) -> bool:
        """The client may have been deleted or changed while the page was open."""
        client = self._deps.clients.find(pending.client_id)
        return (client is not None and pending.redirect_uri in client.redirect_uris
                and set(pending.scopes) <= set(client.scopes))
