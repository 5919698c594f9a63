"""The token endpoint (RFC 6749 §3.2): authenticate the client of the parsed form, dispatch
to the grant named by grant_type (authorization_code §4.1.3, refresh_token §6,
client_credentials §4.4), each one module under grants/. Every token issued is audited
(`token.issued`, with its grant type and jti; never the token)."""

from __future__ import annotations

from collections.abc import Iterable

from authgate_common.core import counters
from authgate_common.core.audit import AuditEvent, AuditTrail, MemoryAuditTrail, client_actor
from authgate_common.core.errors import InvalidRequest, UnauthorizedClient, UnsupportedGrantType

from ..clients.authentication import ClientRequest, authenticate_request
from ..grants.base import Grant, TokenRequest, TokenResponse
from ..ports import ClientAuthenticator


class TokenEndpoint:
    def __init__(self, clients: ClientAuthenticator, grants: Iterable[Grant],
                 audit: AuditTrail | None = None) -> None:
        self._clients = clients
        self._grants = {g.grant_type: g for g in grants}
        self._audit = audit or MemoryAuditTrail()

    @property
    def grant_types(self) -> list[str]:
        return list(self._grants)

    def handle(self, request: ClientRequest) -> TokenResponse:
        params = request.params
        grant_type = params.get("grant_type")
        if not grant_type:
            raise InvalidRequest("The grant_type parameter is required.")
        grant = self._grants.get(grant_type)
        if grant is None:
            raise UnsupportedGrantType()
        client = authenticate_request(self._clients, request)
        if grant_type not in client.grant_types:
            raise UnauthorizedClient()
        response = grant.handle(TokenRequest(params), client)
        self._audit.record(issued(grant_type, client.client_id, response))
        counters.tokens_issued(grant_type)
        return response


def issued(grant_type: str, client_id: str, response: TokenResponse) -> AuditEvent:
    claims = response.claims
    user = str(claims.get("sub", "")) if grant_type != "client_credentials" else ""
    return AuditEvent("token.issued", user, client_actor(client_id), client_id, str(claims.get("sid", "")),
                      details={"grant_type": grant_type, "scope": response.scope.split(),
                               "jti": claims.get("jti"), "refresh": bool(response.refresh_token),
                               "oidc": bool(response.id_token)})
