"""Tables of the authorization service (schema `authorization` on PostgreSQL, via search_path)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

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
    Column("created_at", DateTime(timezone=True), nullable=False),
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
    Column("auth_time", DateTime(timezone=True), nullable=True),
    Column("amr", Text, nullable=False, default=""),  # space-delimited
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("consumed_at", DateTime(timezone=True), nullable=True),
    Index("ix_authorization_codes_expires_at", "expires_at"),
)

consents = Table(
    "consents",
    metadata,
    Column("user_id", Text, primary_key=True),
    Column("client_id", String(128), primary_key=True),
    Column("scopes", Text, nullable=False),  # space-delimited, as in RFC 6749 §3.3
    Column("granted_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Index("ix_consents_client_id", "client_id"),
)

# Messages to other services, written with the change that caused them (transactional
# outbox); a relay delivers them and sets delivered_at.
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("topic", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("delivered_at", DateTime(timezone=True), nullable=True),
    Index("ix_outbox_undelivered", "delivered_at", "id"),
)
