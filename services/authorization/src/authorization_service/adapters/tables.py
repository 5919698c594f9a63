"""Tables of the authorization service (schema `authorization` on PostgreSQL, via search_path)."""

from __future__ import annotations

from authgate_common.columns import serial_id, timestamp
from sqlalchemy import JSON, Boolean, Column, Index, Integer, MetaData, String, Table, Text, UniqueConstraint

metadata = MetaData()

clients = Table(
    "clients",
    metadata,
    Column("client_id", String(128), primary_key=True),
    Column("name", String(200), nullable=False, default=""),
    Column("redirect_uris", JSON, nullable=False),
    Column("scopes", JSON, nullable=False),
    Column("grant_types", JSON, nullable=False),
    Column("client_type", String(16), nullable=False),
    Column("token_endpoint_auth_method", String(32), nullable=False),
    Column("first_party", Boolean, nullable=False, default=False),
    Column("pkce_optional", Boolean, nullable=False, default=False),
    Column("audiences", JSON, nullable=False),
    # Keyed SHA-256 (hex) of the secret; NULL for public clients.
    Column("secret_hash", String(64), nullable=True),
    timestamp("created_at"),
    # OIDC RP-Initiated Logout 1.0 §3.1 and Back-Channel Logout 1.0 §2.2 (migration 0003).
    Column("post_logout_redirect_uris", JSON, nullable=False, default=list),
    Column("backchannel_logout_uri", Text, nullable=False, default=""),
    Column("backchannel_logout_session_required", Boolean, nullable=False, default=True),
    # private_key_jwt (RFC 7523 §2.2): the normalised public JWKS; nonce required (migration 0005).
    Column("jwks", Text, nullable=False, default=""),
    Column("require_nonce", Boolean, nullable=False, default=False),
    # May hold the admin API's scopes (migration 0006).
    Column("admin", Boolean, nullable=False, default=False),
    # Bumped by every change, the admin API's ETag; its keyset paging index (migration 0007).
    Column("version", Integer, nullable=False, default=1),
    # Every sign-in needs a second factor (migration 0009).
    Column("require_mfa", Boolean, nullable=False, default=False),
    # RFC 9126 §5: only pushed authorization requests (migration 0011).
    Column("require_pushed_authorization_requests", Boolean, nullable=False, default=False),
    # RFC 9449 §5.2 DPoP-bound tokens; RFC 8693 token exchange policy (migration 0014).
    Column("dpop_bound_access_tokens", Boolean, nullable=False, default=False),
    Column("token_exchange_impersonation", Boolean, nullable=False, default=False),
    Column("token_exchange_delegation", Boolean, nullable=False, default=False),
    Column("token_exchange_subject_audiences", JSON, nullable=False, default=list),
    Index("ix_clients_created_at_client_id", "created_at", "client_id"),
)

authorization_codes = Table(
    "authorization_codes",
    metadata,
    # Keyed SHA-256 (hex) of the code: the code itself is never stored.
    Column("code_hash", String(64), primary_key=True),
    Column("grant_id", String(32), nullable=False),
    Column("client_id", String(128), nullable=False),
    Column("user_id", Text, nullable=False),
    Column("sid", Text, nullable=False),
    Column("redirect_uri", Text, nullable=False),
    Column("scopes", Text, nullable=False),  # space-delimited, as in RFC 6749 §3.3
    Column("nonce", Text, nullable=False, default=""),
    Column("code_challenge", String(128), nullable=False, default=""),
    Column("code_challenge_method", String(16), nullable=False, default=""),
    timestamp("auth_time", nullable=True),
    Column("amr", Text, nullable=False, default=""),  # space-delimited
    timestamp("created_at"),
    timestamp("expires_at"),
    timestamp("consumed_at", nullable=True),
    # RFC 8707 resource indicators, space-delimited (absolute URIs hold no space).
    Column("resources", Text, nullable=False, default=""),
    Index("ix_authorization_codes_expires_at", "expires_at"),
)

consents = Table(
    "consents",
    metadata,
    Column("user_id", Text, primary_key=True),
    Column("client_id", String(128), primary_key=True),
    Column("scopes", Text, nullable=False),  # space-delimited, as in RFC 6749 §3.3
    timestamp("granted_at"),
    timestamp("revoked_at", nullable=True),
    Index("ix_consents_client_id", "client_id"),
)

# Messages to other services, written with the change that caused them (transactional
# outbox); a relay delivers them and sets delivered_at.
outbox = Table(
    "outbox",
    metadata,
    serial_id(),
    Column("topic", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    timestamp("created_at"),
    timestamp("delivered_at", nullable=True),
    # Retries (migration 0005): tries so far, when the next is due (NULL: now), why the last failed.
    Column("attempts", Integer, nullable=False, default=0),
    timestamp("next_attempt_at", nullable=True),
    Column("last_error", Text, nullable=False, default=""),
    Index("ix_outbox_undelivered", "delivered_at", "id"),
)

# Which clients took part in which session (got a code for it): the ones to tell when it
# ends (OIDC Back-Channel Logout 1.0 §2.3).
session_participants = Table(
    "session_participants",
    metadata,
    Column("sid", Text, primary_key=True),
    Column("client_id", String(128), primary_key=True),
    Column("user_id", Text, nullable=False),
    timestamp("created_at"),
    Index("ix_session_participants_created_at", "created_at"),
)

# One back-channel logout per ended session and client: the unique pair makes every
# replica's enqueue idempotent; a delivery loop claims due rows with FOR UPDATE SKIP LOCKED.
backchannel_logouts = Table(
    "backchannel_logouts",
    metadata,
    serial_id(),
    Column("sid", Text, nullable=False),
    Column("client_id", String(128), nullable=False),
    Column("user_id", Text, nullable=False),
    Column("state", String(16), nullable=False),  # pending, delivered, failed
    Column("attempts", Integer, nullable=False, default=0),
    # Pending: when the next attempt is due; a claim moves it past the attempt's deadline.
    timestamp("next_attempt_at"),
    timestamp("created_at"),
    timestamp("finished_at", nullable=True),
    Column("last_error", Text, nullable=False, default=""),
    UniqueConstraint("sid", "client_id", name="uq_backchannel_logouts_sid_client"),
    Index("ix_backchannel_logouts_due", "state", "next_attempt_at"),
)

# Pushed authorization requests (RFC 9126 §2.2): by the keyed hash of the request_uri's
# reference, taken once with DELETE … RETURNING (migration 0011).
pushed_authorization_requests = Table(
    "pushed_authorization_requests",
    metadata,
    Column("reference_hash", String(64), primary_key=True),
    Column("client_id", String(128), nullable=False),
    Column("params", JSON, nullable=False),
    timestamp("expires_at"),
    Index("ix_pushed_authorization_requests_expires_at", "expires_at"),
)
