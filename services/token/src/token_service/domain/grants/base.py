"""The contract every grant shares (RFC 6749 §4, §5.1).

A grant names its `grant_type` and turns an authenticated client's request into a
token response; the token endpoint has already authenticated the client and checked
that it may use this grant.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from authgate_common.core.errors import InvalidRequest

from ..ports import Client


@dataclass(frozen=True)
class TokenRequest:
    params: Mapping[str, str]
    # RFC 9449: the thumbprint of the request's checked DPoP proof ("" without one); the
    # access token issued is bound to it (Issue.dpop_jkt), a public client's refresh
    # tokens too (§5).
    dpop_jkt: str = ""

    def require(self, name: str) -> str:
        value = self.params.get(name)
        if not value:
            raise InvalidRequest(f"The {name} parameter is required.")
        return value


@dataclass(frozen=True)
class TokenResponse:
    """RFC 6749 §5.1 (+ OIDC Core §3.1.3.3 id_token)."""

    access_token: str
    expires_in: int
    scope: str
    id_token: str | None = None
    refresh_token: str | None = None
    token_type: str = "Bearer"  # "DPoP" for a DPoP-bound access token (RFC 9449 §5.1)
    # The access token's claims (sub, sid, jti …), for the audit trail; never sent as such.
    claims: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    # RFC 9449 §8.2: the nonce for the client's next DPoP proof (the DPoP-Nonce header).
    dpop_nonce: str = ""
    # RFC 8693 §2.2.1: the type of the token issued (token exchange only).
    issued_token_type: str = ""
    # What the grant adds to its `token.issued` audit event (token exchange: subject, actor).
    audit_details: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"access_token": self.access_token, "token_type": self.token_type,
                                "expires_in": self.expires_in, "scope": self.scope}
        if self.refresh_token:
            body["refresh_token"] = self.refresh_token
        if self.id_token:
            body["id_token"] = self.id_token
        if self.issued_token_type:
            body["issued_token_type"] = self.issued_token_type
        return body


class Grant(Protocol):
    grant_type: str

    def handle(self, request: TokenRequest, client: Client) -> TokenResponse: ...
