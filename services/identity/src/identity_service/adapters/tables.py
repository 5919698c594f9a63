"""Tables of the identity service (schema `identity` on PostgreSQL, via search_path)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, MetaData, String, Table, UniqueConstraint

metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("username", String(150), nullable=False),
    # NFKC + casefold of username/email: the unique indexes make "Alice" and "ALICE" one
    # account even when two registrations race.
    Column("username_key", String(255), nullable=False),
    Column("email", String(254), nullable=False),
    Column("email_key", String(255), nullable=False),
    Column("email_verified", Boolean, nullable=False, default=False),
    Column("name", String(255), nullable=False, default=""),
    Column("given_name", String(255), nullable=False, default=""),
    Column("family_name", String(255), nullable=False, default=""),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("password_hash", String(255), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("username_key", name="uq_users_username_key"),
    UniqueConstraint("email_key", name="uq_users_email_key"),
)
