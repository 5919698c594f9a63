"""The client credentials grant (RFC 6749 §4.4): a confidential client acting for itself.

Only a client that proved a secret may use it (§4.4: "MUST only be used by confidential
clients"). The token names the client as its subject, carries no session and comes with
no refresh token (§4.4.3). Scopes are within the client's registered ones; without a
`scope` parameter the default is every registered scope that makes sense without a user
(not openid, profile, email or account). `openid` and `account` are refused: there is no
end-user to identify, nor an account to act on. An admin scope (`admin:users`, …) is
granted here only, to an admin client; asked by any other client it is refused, not
dropped (`invalid_scope`, RFC 6749 §5.2).
"""

from __future__ import annotations

from authgate_common.core.admin_scope import is_admin_scope
from authgate_common.core.errors import InvalidScope, UnauthorizedClient

from ..ports import Client
from ..scopes import parse_scope
from ..tokens.issuance import Issue, TokenIssuer
from .base import TokenRequest, TokenResponse

USER_SCOPES = frozenset({"openid", "profile", "email", "account"})


class ClientCredentialsGrant:
    grant_type = "client_credentials"

    def __init__(self, issuer: TokenIssuer) -> None:
        self._issuer = issuer

    def handle(self, request: TokenRequest, client: Client) -> TokenResponse:
        if client.is_public:
            raise UnauthorizedClient("Public clients cannot use the client_credentials grant.")
        scopes = client_scopes(client, parse_scope(request.params.get("scope")))
        resources = self._issuer.targets(request.params, (), scopes)  # RFC 8707 §2.2
        # No grant id: nothing here can be replayed, and each jti can still be revoked itself.
        return self._issuer.issue(Issue(subject=client.client_id, client=client, scopes=scopes,
                                        grant_id="", resources=resources, dpop_jkt=request.dpop_jkt))


def client_scopes(client: Client, requested: list[str] | None) -> list[str]:
    if requested is None:
        scopes = [s for s in client.scopes if s not in USER_SCOPES]
        if not scopes:
            raise InvalidScope("The client has no scope it may use without a user.")
        return scopes
    if "openid" in requested or "account" in requested:
        raise InvalidScope("openid and account need an end-user; client_credentials has none.")
    if not client.admin and any(is_admin_scope(s) for s in requested):
        raise InvalidScope("Only an admin client may ask for an admin scope.")
    if any(s not in client.scopes for s in requested):
        raise InvalidScope()
    return requested
