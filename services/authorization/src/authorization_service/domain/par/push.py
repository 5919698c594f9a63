"""PushAuthorizationRequest (RFC 9126 §2): the token service has authenticated the client;
its parameters are checked here by the /authorize pipeline's own checks that need no user
(every step before check_session: client, redirect_uri, response_type, scope, PKCE, nonce,
prompt, max_age …), so a request that could never succeed is refused now, as JSON, and
one that passes is stored for its request_uri (pushed.py).

§2.1: `request_uri` cannot itself be pushed; the pushed client_id, when sent, must be the
authenticated client. Client credentials are not parameters of the request (the token
service leaves them out).
"""

from __future__ import annotations

from collections.abc import Sequence

from authgate_common.core.errors import InvalidRequest

from ..authorize.check_pushed_request import check_pushed_request
from ..authorize.check_session import check_session
from ..authorize.context import AuthorizeContext, AuthorizeDeps, AuthorizeRequest
from ..authorize.pipeline import STEPS, Step
from ..signed import MAX_LENGTH as MAX_SIGNED_LENGTH
from .pushed import PushedAuthorization
from .store import Pairs
from .tickets import TICKET_PARAM

REQUEST_CHECKS: tuple[Step, ...] = tuple(
    step for step in STEPS[:STEPS.index(check_session)] if step is not check_pushed_request)


class PushAuthorizationRequests:
    def __init__(self, deps: AuthorizeDeps, pushed: PushedAuthorization,
                 checks: Sequence[Step] = REQUEST_CHECKS) -> None:
        self._deps, self._pushed, self._checks = deps, pushed, tuple(checks)

    def push(self, client_id: str, pairs: Pairs) -> tuple[str, int]:
        """(request_uri, expires_in) of the checked request; OAuthError when it fails a check."""
        names = [name for name, _ in pairs]
        if "request_uri" in names or TICKET_PARAM in names:
            raise InvalidRequest("request_uri cannot be pushed (RFC 9126 §2.1).")
        if "client_id" not in names:
            pairs = (("client_id", client_id), *pairs)
        elif dict(pairs).get("client_id") != client_id:
            raise InvalidRequest("client_id does not match the authenticated client.")
        # The ticket that carries the request across a login must stay within the signer's limit.
        if len(self._pushed.tickets.make(client_id, pairs, self._deps.clock.now())) > MAX_SIGNED_LENGTH:
            raise InvalidRequest("The pushed request is too large.")
        ctx = AuthorizeContext(AuthorizeRequest(pairs=pairs, session_token=None, return_to=""))
        for check in self._checks:
            if check(ctx, self._deps) is not None:
                raise RuntimeError("request checks answer with errors only")
        return self._pushed.save(client_id, tuple((n, v) for n, v in pairs if v))
