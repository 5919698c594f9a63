"""The pushed authorization request endpoint (RFC 9126 §2): the client authenticates as at
the token endpoint (§2: "the same rules for client authentication as the token endpoint";
public clients by client_id alone, when they may), then the authorization service checks
the parameters as /authorize would and keeps them for a single-use request_uri. The answer
is 201 {request_uri, expires_in} (§2.2); errors are RFC 6749 §5.2 JSON (§2.3: 400
invalid_request and the authorization endpoint's codes, 401 invalid_client).

The client's credentials are not parameters of the authorization request and are not
pushed; `request_uri` itself may not be pushed (§2.1).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from authgate_common.core.errors import InvalidRequest
from authgate_common.core.resource_indicators import RESOURCE, split_repeated

from ..clients.authentication import ClientRequest, authenticate_request
from ..ports import ClientAuthenticator

PAR_PATH = "/api/v1/oauth/par"
CREDENTIAL_PARAMS = frozenset({"client_secret", "client_assertion", "client_assertion_type"})


class AuthorizationRequestPusher(Protocol):
    def push_authorization_request(self, client_id: str,
                                   params: Sequence[tuple[str, str]]) -> tuple[str, int]:
        """(request_uri, expires_in); OAuthError when the request fails the /authorize checks."""
        ...


class PushedAuthorization:
    def __init__(self, clients: ClientAuthenticator, pusher: AuthorizationRequestPusher) -> None:
        self._clients, self._pusher = clients, pusher

    def handle(self, request: ClientRequest) -> dict[str, Any]:
        client = authenticate_request(self._clients, request)
        if "request_uri" in request.params:
            raise InvalidRequest("request_uri cannot be pushed (RFC 9126 §2.1).")
        # A repeated `resource` (RFC 8707) arrives joined (core.forms): pushed as its values.
        params = [(name, part) for name, value in request.params.items() if name not in CREDENTIAL_PARAMS
                  for part in (split_repeated(value) if name == RESOURCE else [value])]
        request_uri, expires_in = self._pusher.push_authorization_request(client.client_id, params)
        return {"request_uri": request_uri, "expires_in": expires_in}
