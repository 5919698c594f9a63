"""Tables of the token service (schema `token` on PostgreSQL, via search_path)."""

from __future__ import annotations

from authgate_common.columns import serial_id, timestamp
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData()

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("kid", String(64), primary_key=True),
    Column("alg", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    # Fernet token of the PKCS#8 PEM; the plaintext never reaches the database.
    Column("private_key_encrypted", Text, nullable=False),
    Column("public_jwk", Text, nullable=False),
    timestamp("created_at"),
    timestamp("activated_at", nullable=True),
    timestamp("retired_at", nullable=True),
    CheckConstraint("state IN ('next', 'current', 'retired')", name="ck_signing_keys_state"),
    # At most one signing key at a time, whatever races the replicas run.
    Index("uq_signing_keys_one_current", "state", unique=True,
          postgresql_where=text("state = 'current'"), sqlite_where=text("state = 'current'")),
)

# Refresh tokens (RFC 6749 §6): one family per authorization-code grant, rotated on every use.
refresh_families = Table(
    "refresh_families",
    metadata,
    Column("family_id", String(64), primary_key=True),
    Column("client_id", String(255), nullable=False),
    Column("user_id", String(255), nullable=False),
    Column("sid", String(255), nullable=False, server_default=""),
    Column("grant_id", String(255), nullable=False),
    Column("auth_time", BigInteger, nullable=True),
    # RFC 8176 methods of the sign-in, space-delimited (migration 0006).
    Column("amr", Text, nullable=False, server_default=""),
    timestamp("created_at"),
    timestamp("revoked_at", nullable=True),
    Column("revoked_reason", String(64), nullable=True),
    # RFC 8707 resource indicators of the grant, space-delimited (migration 0007).
    Column("resources", Text, nullable=False, server_default=""),
    # RFC 9449 §5: the DPoP key thumbprint a public client's family is bound to (migration 0008).
    Column("dpop_jkt", String(64), nullable=True),
    Index("ix_refresh_families_grant_id", "grant_id"),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    serial_id(),
    # HMAC-SHA256 of the token under a key derived for "token/refresh"; never the token.
    Column("token_hash", String(64), nullable=False),
    Column("family_id", String(64), ForeignKey("refresh_families.family_id"), nullable=False),
    Column("parent_hash", String(64), nullable=True),
    Column("client_id", String(255), nullable=False),
    Column("user_id", String(255), nullable=False),
    Column("sid", String(255), nullable=False, server_default=""),
    Column("scopes", Text, nullable=False),
    timestamp("created_at"),
    timestamp("expires_at"),
    timestamp("used_at", nullable=True),
    timestamp("revoked_at", nullable=True),
    UniqueConstraint("token_hash", name="uq_refresh_tokens_token_hash"),
    Index("ix_refresh_tokens_family_id", "family_id"),
    Index("ix_refresh_tokens_parent_hash", "parent_hash"),
    Index("ix_refresh_tokens_expires_at", "expires_at"),
    Index("ix_refresh_tokens_revoked_at", "revoked_at"),
)

# Access tokens by jti (RFC 7009, RFC 9700 §4.2.4): the ones the code and refresh grants
# issued, so a replayed code or a reused refresh token can revoke them, and every revoked
# one: the record the Redis deny-list is a copy of. `expires_at` is when the token would be
# refused anyway (exp + clock skew); rows past it are purged.
issued_jtis = Table(
    "issued_jtis",
    metadata,
    Column("jti", String(255), primary_key=True),
    Column("grant_id", String(255), nullable=False),
    Column("family_id", String(64), nullable=True),
    timestamp("expires_at"),
    Index("ix_issued_jtis_grant_id", "grant_id"),
    Index("ix_issued_jtis_family_id", "family_id"),
    Index("ix_issued_jtis_expires_at", "expires_at"),
)

revoked_jtis = Table(
    "revoked_jtis",
    metadata,
    Column("jti", String(255), primary_key=True),
    timestamp("expires_at"),
    timestamp("revoked_at"),
    Index("ix_revoked_jtis_expires_at", "expires_at"),
    Index("ix_revoked_jtis_revoked_at", "revoked_at"),
)

# Deleted clients: every access token of the client with `iat` at or before the second of
# `revoked_at` is revoked, until `expires_at` (the longest an access token lives, plus the
# clock skew); the Redis deny-list holds a copy of each.
revoked_clients = Table(
    "revoked_clients",
    metadata,
    Column("client_id", String(255), primary_key=True),
    timestamp("revoked_at"),
    timestamp("expires_at"),
    Index("ix_revoked_clients_expires_at", "expires_at"),
    Index("ix_revoked_clients_revoked_at", "revoked_at"),
)

# The audit trail (refresh reuse, revocations, tokens issued, key rotations) is the
# shared `audit_events` table: authgate_common.audit_schema (migration 0003).
