"""The token endpoint (RFC 6749 §3.2): parse the form, authenticate the client, dispatch
to the grant named by grant_type (authorization_code §4.1.3, refresh_token §6,
client_credentials §4.4), each one module under grants/. Every token issued is audited
(`token.issued`, with its grant type and jti; never the token)."""

from __future__ import annotations

from collections.abc import Iterable

from authgate_common import metrics
from authgate_common.audit import AuditEvent, AuditTrail, MemoryAuditTrail, client_actor
from authgate_common.errors import InvalidRequest, UnauthorizedClient, UnsupportedGrantType

from .client_auth import authenticate, read_credentials
from .form import parse_form
from .grants.base import Grant, TokenRequest, TokenResponse
from .ports import AuthorizationPort


class TokenEndpoint:
    def __init__(self, authorization: AuthorizationPort, grants: Iterable[Grant],
                 audit: AuditTrail | None = None) -> None:
        self._authorization = authorization
        self._grants = {g.grant_type: g for g in grants}
        self._audit = audit or MemoryAuditTrail()

    @property
    def grant_types(self) -> list[str]:
        return list(self._grants)

    def is_quick(self, content_type: str | None, body: bytes) -> bool:
        """Whether the request names a grant that is `quick` (grants/base.py). Anything
        unparseable is quick too: it is refused without touching a store."""
        try:
            grant = self._grants.get(parse_form(content_type, body).get("grant_type", ""))
        except InvalidRequest:
            return True
        return grant is None or grant.quick

    def handle(self, content_type: str | None, body: bytes, authorization: str | None) -> TokenResponse:
        params = parse_form(content_type, body)
        grant_type = params.get("grant_type")
        if not grant_type:
            raise InvalidRequest("The grant_type parameter is required.")
        grant = self._grants.get(grant_type)
        if grant is None:
            raise UnsupportedGrantType()
        client = authenticate(self._authorization, read_credentials(params, authorization))
        if grant_type not in client.grant_types:
            raise UnauthorizedClient()
        response = grant.handle(TokenRequest(params), client)
        self._audit.record(issued(grant_type, client.client_id, response))
        metrics.tokens_issued(grant_type)
        return response


def issued(grant_type: str, client_id: str, response: TokenResponse) -> AuditEvent:
    claims = response.claims
    user = str(claims.get("sub", "")) if grant_type != "client_credentials" else ""
    return AuditEvent("token.issued", user, client_actor(client_id), client_id, str(claims.get("sid", "")),
                      details={"grant_type": grant_type, "scope": response.scope.split(),
                               "jti": claims.get("jti"), "refresh": bool(response.refresh_token),
                               "oidc": bool(response.id_token)})
