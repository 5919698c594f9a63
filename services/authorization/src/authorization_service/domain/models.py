"""What the authorization service keeps: registered clients (RFC 6749 §2) and
authorization codes (RFC 6749 §4.1.2), plus the grant a code stands for."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# RFC 8693 §2.1 (the token service's grants/token_exchange).
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
KNOWN_GRANT_TYPES = frozenset({"authorization_code", "refresh_token", "client_credentials",
                               # RFC 8628 §3.4 (domain/device)
                               "urn:ietf:params:oauth:grant-type:device_code", TOKEN_EXCHANGE})
CONFIDENTIAL, PUBLIC = "confidential", "public"


@dataclass(frozen=True)
class Client:
    client_id: str
    name: str = ""
    redirect_uris: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    grant_types: tuple[str, ...] = ("authorization_code",)
    client_type: str = CONFIDENTIAL
    token_endpoint_auth_method: str = "client_secret_basic"
    first_party: bool = False
    pkce_optional: bool = False
    audiences: tuple[str, ...] = ()
    created_at: datetime | None = None
    # OIDC RP-Initiated Logout 1.0 §3.1 and Back-Channel Logout 1.0 §2.2.
    post_logout_redirect_uris: tuple[str, ...] = ()
    backchannel_logout_uri: str = ""
    backchannel_logout_session_required: bool = True
    # RFC 7523 §2.2 private_key_jwt: the client's public keys (a normalised JWKS, JSON text).
    jwks: str = ""
    # OIDC Core §3.1.2.1: an openid request without a nonce is refused.
    require_nonce: bool = False
    # May hold the admin API's scopes (by client_credentials only); set by an operator only.
    admin: bool = False
    # Every sign-in for this client needs a second factor (acr urn:authgate:acr:mfa), as if
    # each request asked for it in acr_values (migration 0009).
    require_mfa: bool = False
    # RFC 9126 §5: /authorize takes this client's requests only as pushed ones (migration 0011).
    require_pushed_authorization_requests: bool = False
    # RFC 9449 §5.2: every access token is DPoP-bound; /token wants a proof (migration 0014).
    dpop_bound_access_tokens: bool = False
    # RFC 8693 policy, operator-set (migration 0014): may exchange a subject token without an
    # actor_token (impersonation) or with one (delegation, `act`); the subject token must
    # carry one of these audiences (empty: this client's id).
    token_exchange_impersonation: bool = False
    token_exchange_delegation: bool = False
    token_exchange_subject_audiences: tuple[str, ...] = ()
    # Bumped by every change: the admin API's strong ETag (migration 0007).
    version: int = 1
    # Keyed SHA-256 of the secret; empty for public clients. Never leaves the service.
    secret_hash: str = field(default="", repr=False)

    @property
    def is_public(self) -> bool:
        return self.client_type == PUBLIC


@dataclass(frozen=True)
class CodeRequest:
    """What an authorization code is issued for: the client, the user's session, the
    redirect URI and the PKCE challenge it is bound to."""

    client_id: str
    user_id: str
    sid: str
    redirect_uri: str
    scopes: tuple[str, ...]
    nonce: str
    code_challenge: str
    code_challenge_method: str
    auth_time: datetime | None
    amr: tuple[str, ...]
    # RFC 8707 resource indicators the code is for (empty: none named).
    resources: tuple[str, ...] = field(default=(), kw_only=True)


@dataclass(frozen=True)
class StoredCode(CodeRequest):
    """An authorization code row: only the keyed hash of the code is ever stored."""

    code_hash: str
    grant_id: str
    created_at: datetime
    expires_at: datetime
    consumed_at: datetime | None = None


@dataclass(frozen=True)
class Grant:
    """What a redeemed code stood for (the token service mints tokens from it)."""

    grant_id: str
    client_id: str
    user_id: str
    sid: str
    scopes: tuple[str, ...]
    nonce: str
    auth_time: datetime | None
    amr: tuple[str, ...]
    resources: tuple[str, ...] = ()  # RFC 8707


@dataclass(frozen=True)
class SessionInfo:
    """A live SSO session, as the session service reports it."""

    sid: str
    user_id: str
    auth_time: datetime | None = None
    amr: tuple[str, ...] = ()


@dataclass(frozen=True)
class Consent:
    """A user's standing approval of a client for a set of scopes (OIDC Core §3.1.2.4).
    One row per user and client; withdrawing sets revoked_at, granting again clears it."""

    user_id: str
    client_id: str
    scopes: tuple[str, ...]
    granted_at: datetime
    revoked_at: datetime | None = None

    def covers(self, scopes: tuple[str, ...]) -> bool:
        return self.revoked_at is None and set(scopes) <= set(self.scopes)


@dataclass(frozen=True)
class OutboxMessage:
    """A message for another service, claimed for delivery (transactional outbox)."""

    id: int
    topic: str
    payload: dict[str, Any]
    # Attempts so far, including the one this claim is for.
    attempts: int
