"""The token endpoint (RFC 6749 §3.2): authenticate the client of the parsed form, dispatch
to the grant named by grant_type (authorization_code §4.1.3, refresh_token §6,
client_credentials §4.4), each one module under grants/. Every token issued is audited
(`token.issued`, with its grant type and jti; never the token).

DPoP (RFC 9449 §5): once the client is authenticated, a `DPoP` header is checked as a proof
for this endpoint (..dpop.DPoP.at_token_endpoint) and its key's thumbprint handed to the
grant, which binds the access token to it (`cnf.jkt`, token_type DPoP); a client
registered with `dpop_bound_access_tokens` must send one. With DPoP off (DPOP_ENABLED) a
proof is refused rather than ignored: the client would take a bearer token for a bound one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from authgate_common.core import counters
from authgate_common.core.audit import AuditEvent, AuditTrail, MemoryAuditTrail, client_actor
from authgate_common.core.errors import (
    InvalidDPoPProof,
    InvalidRequest,
    UnauthorizedClient,
    UnsupportedGrantType,
)

from ..clients.authentication import ClientRequest, authenticate_request
from ..dpop import DPoP
from ..grants.base import Grant, TokenRequest, TokenResponse
from ..ports import Client, ClientAuthenticator


class TokenEndpoint:
    def __init__(self, clients: ClientAuthenticator, grants: Iterable[Grant],
                 audit: AuditTrail | None = None, dpop: DPoP | None = None) -> None:
        self._clients = clients
        self._grants = {g.grant_type: g for g in grants}
        self._audit = audit or MemoryAuditTrail()
        self._dpop = dpop  # None: DPoP off

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
        jkt = self._proof_jkt(request, client)
        response = grant.handle(TokenRequest(params, dpop_jkt=jkt), client)
        self._audit.record(issued(grant_type, client.client_id, response))
        counters.tokens_issued(grant_type)
        if jkt and self._dpop is not None:
            # §8.2: the nonce for the client's next proof, so it rarely meets use_dpop_nonce.
            response = replace(response, dpop_nonce=self._dpop.nonce() if self._dpop.nonce_required else "")
        return response

    def _proof_jkt(self, request: ClientRequest, client: Client) -> str:
        """The thumbprint of the request's checked DPoP proof, "" without one."""
        if self._dpop is None:
            if request.dpop is not None or client.dpop_bound_access_tokens:
                raise InvalidDPoPProof("DPoP is not enabled on this server.")
            return ""
        proof = self._dpop.at_token_endpoint(request.dpop, required=client.dpop_bound_access_tokens)
        return proof.jkt if proof is not None else ""


def issued(grant_type: str, client_id: str, response: TokenResponse) -> AuditEvent:
    claims = response.claims
    user = str(claims.get("sub", "")) if grant_type != "client_credentials" else ""
    return AuditEvent("token.issued", user, client_actor(client_id), client_id, str(claims.get("sid", "")),
                      details={"grant_type": grant_type, "scope": response.scope.split(),
                               "jti": claims.get("jti"), "refresh": bool(response.refresh_token),
                               "oidc": bool(response.id_token),
                               "dpop": response.token_type == "DPoP",
                               **response.audit_details})
