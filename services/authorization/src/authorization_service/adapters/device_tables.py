"""The device authorizations' table (migration 0010), beside the service's others (tables.metadata)."""

from __future__ import annotations

from authgate_common.columns import timestamp
from sqlalchemy import JSON, Column, Index, Integer, String, Table, Text

from .tables import metadata

device_authorizations = Table(
    "device_authorizations",
    metadata,
    # Keyed SHA-256 (hex) of the device code and of the normalised user code (RFC 8628 §3.2).
    Column("device_code_hash", String(64), primary_key=True),
    Column("user_code_hash", String(64), nullable=False, unique=True),
    Column("grant_id", String(32), nullable=False),
    Column("client_id", String(128), nullable=False),
    Column("scopes", Text, nullable=False),  # space-delimited
    Column("resources", JSON, nullable=False),
    Column("interval", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # pending, approved, denied, issued
    Column("user_id", Text, nullable=False, default=""),
    Column("sid", Text, nullable=False, default=""),
    timestamp("auth_time", nullable=True),
    Column("amr", Text, nullable=False, default=""),  # space-delimited
    timestamp("created_at"),
    timestamp("expires_at"),
    timestamp("last_polled_at", nullable=True),
    Index("ix_device_authorizations_expires_at", "expires_at"),
)
