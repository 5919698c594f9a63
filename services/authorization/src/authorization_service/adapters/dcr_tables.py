"""Dynamic registration's tables (migration 0012), beside the service's others (tables.metadata)."""

from __future__ import annotations

from authgate_common.columns import timestamp
from sqlalchemy import Column, ForeignKey, Integer, String, Table

from .tables import metadata

# RFC 7591 §3: tokens the operator hands out for registering clients (keyed hash only).
initial_access_tokens = Table(
    "initial_access_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    timestamp("created_at"),
    timestamp("expires_at"),
    Column("uses_left", Integer, nullable=False),
)

# RFC 7592 §3: each dynamically registered client's registration access token (keyed hash);
# gone with its client.
client_registrations = Table(
    "client_registrations",
    metadata,
    Column("client_id", String(128), ForeignKey("clients.client_id", ondelete="CASCADE"), primary_key=True),
    Column("token_hash", String(64), nullable=False),
    timestamp("created_at"),
)
