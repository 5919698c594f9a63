"""Tables of the token service (schema `token` on PostgreSQL, via search_path)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, DateTime, Index, MetaData, String, Table, Text, text

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
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("activated_at", DateTime(timezone=True), nullable=True),
    Column("retired_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("state IN ('next', 'current', 'retired')", name="ck_signing_keys_state"),
    # At most one signing key at a time, whatever races the replicas run.
    Index("uq_signing_keys_one_current", "state", unique=True,
          postgresql_where=text("state = 'current'"), sqlite_where=text("state = 'current'")),
)
