"""The catalogue's tables (migration 0008), beside the service's others (tables.metadata)."""

from __future__ import annotations

from authgate_common.columns import timestamp
from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Integer, String, Table, Text

from .tables import metadata

apis = Table(
    "apis",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("audience", String(256), nullable=False, unique=True),
    Column("description", Text, nullable=False, default=""),
    timestamp("created_at"),
    timestamp("updated_at"),
)

scopes = Table(
    "scopes",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("description", Text, nullable=False, default=""),
    Column("api", String(64), ForeignKey("apis.name"), nullable=True),
    Column("claims", JSON, nullable=False),
    Column("access_token_claims", JSON, nullable=False),
    timestamp("created_at"),
    timestamp("updated_at"),
)

# One row (id 1): one more per change of the catalogue.
catalog_revision = Table(
    "catalog_revision",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("revision", BigInteger, nullable=False),
)
