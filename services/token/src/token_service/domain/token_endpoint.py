"""The token endpoint (RFC 6749 §3.2): parse the form, authenticate the client, dispatch
to the grant named by grant_type (authorization_code §4.1.3, refresh_token §6,
client_credentials §4.4), each one module under grants/."""

from __future__ import annotations

from collections.abc import Iterable

from authgate_common import metrics
from authgate_common.errors import InvalidRequest, UnauthorizedClient, UnsupportedGrantType

from .client_auth import authenticate, read_credentials
from .form import parse_form
from .grants.base import Grant, TokenRequest, TokenResponse
from .ports import AuthorizationPort


class TokenEndpoint:
    def __init__(self, authorization: AuthorizationPort, grants: Iterable[Grant]) -> None:
        self._authorization = authorization
        self._grants = {g.grant_type: g for g in grants}

    @property
    def grant_types(self) -> list[str]:
        return list(self._grants)

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
        metrics.tokens_issued(grant_type)
        return response
