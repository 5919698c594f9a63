"""What the core needs from the other services, as ports the adapters implement.

Errors come back as authgate_common.core.errors.OAuthError subclasses (the gRPC adapters
turn the other service's status back into the same exception).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Client:
    """A registered client as the authorization service describes it (never its secret)."""

    client_id: str
    client_type: str = "confidential"
    token_endpoint_auth_method: str = "client_secret_basic"
    grant_types: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    first_party: bool = False
    # May obtain the admin API's scopes, by client_credentials (an operator marked it).
    admin: bool = False
    # RFC 9449 §5.2: /token refuses this client's requests without a DPoP proof.
    dpop_bound_access_tokens: bool = False
    # RFC 8693 policy: may exchange a subject token without (impersonation) or with an
    # actor_token (delegation, `act`); a subject token must carry one of these audiences
    # (empty: the client's own id).
    token_exchange_impersonation: bool = False
    token_exchange_delegation: bool = False
    token_exchange_subject_audiences: tuple[str, ...] = ()

    @property
    def is_public(self) -> bool:
        return self.client_type == "public" or self.token_endpoint_auth_method == "none"


@dataclass(frozen=True)
class RedeemedGrant:
    """What an authorization code stood for (RFC 6749 §4.1.3)."""

    grant_id: str
    user_id: str
    client_id: str
    scopes: tuple[str, ...]
    sid: str = ""
    nonce: str = ""
    auth_time: int | None = None
    amr: tuple[str, ...] = field(default_factory=tuple)
    resources: tuple[str, ...] = field(default_factory=tuple)  # RFC 8707


class ClientAuthenticator(Protocol):
    """Client authentication, asked of the authorization service (which holds the clients):
    the port the request limit, the lockout and the cache decorate (clients/)."""

    def authenticate_client(self, client_id: str, client_secret: str, *, client_assertion_type: str = "",
                            client_assertion: str = "") -> Client:
        """A secret, or a private_key_jwt assertion (then client_id may be empty)."""
        ...


class CodeRedeemer(Protocol):
    """Redeeming an authorization code, once (the authorization service issued it)."""

    def redeem_code(self, code: str, client_id: str, redirect_uri: str,
                    code_verifier: str) -> RedeemedGrant: ...


class IdentityPort(Protocol):
    def user_claims(self, user_id: str, scopes: Sequence[str], claims: Sequence[str] = ()) -> dict[str, Any]:
        """`sub`, the claims `scopes` grant (profile, email) and those named in `claims`."""
        ...


class SessionLiveness(Protocol):
    """Is the SSO session behind a token still alive? Raises TemporarilyUnavailable
    when it cannot tell, so callers fail closed."""

    def is_alive(self, sid: str) -> bool: ...
