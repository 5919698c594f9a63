"""Tables of the session service (schema `session` on PostgreSQL, via search_path)."""

from __future__ import annotations

from authgate_common.columns import timestamp
from sqlalchemy import Column, Index, MetaData, String, Table, Text

metadata = MetaData()

sessions = Table(
    "sessions",
    metadata,
    Column("sid", String(64), primary_key=True),
    # HMAC-SHA256 hex of the cookie value; the value itself is never stored.
    Column("token_hash", String(64), nullable=False),
    Column("user_id", String(255), nullable=False),
    Column("client_ip", String(64), nullable=False, default=""),
    Column("user_agent", String(512), nullable=False, default=""),
    # JSON list of RFC 8176 method names.
    Column("amr", Text, nullable=False, default="[]"),
    timestamp("created_at"),
    timestamp("auth_time"),
    timestamp("expires_at"),
    timestamp("last_seen_at"),
    timestamp("revoked_at", nullable=True),
    Column("revoked_reason", String(64), nullable=True),
    Index("uq_sessions_token_hash", "token_hash", unique=True),
    Index("ix_sessions_user_id", "user_id"),
    # The revocation feed's snapshot reads the last hour of revocations, a page at a time
    # in (revoked_at, sid) order (migration 0004 replaced the revoked_at-only index).
    Index("ix_sessions_revoked_at_sid", "revoked_at", "sid"),
)
