"""Tables of the identity service (schema `identity` on PostgreSQL, via search_path)."""

from __future__ import annotations

from authgate_common.columns import timestamp
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB

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
    Column("mfa_required", Boolean, nullable=False, default=False),  # domain/mfa
    Column("password_hash", String(255), nullable=False),
    timestamp("created_at"),
    timestamp("updated_at"),
    # The admin API's ETag: bumped by every change an administrator can see.
    Column("version", Integer, nullable=False, default=1),
    # Custom claims by name (domain/access/attributes.py): a JSON object.
    Column("attributes", JSON().with_variant(JSONB(), "postgresql"), nullable=False, default=dict),
    UniqueConstraint("username_key", name="uq_users_username_key"),
    UniqueConstraint("email_key", name="uq_users_email_key"),
    Index("ix_users_created_at_id", "created_at", "id"),  # the admin API's keyset paging
)

# Roles and groups (domain/access): deleting one removes it from every user and group.
roles = Table(
    "roles", metadata,
    Column("name", String(64), primary_key=True),
    Column("description", String(512), nullable=False, default=""),
)
groups = Table(
    "groups", metadata,
    Column("name", String(64), primary_key=True),
    Column("description", String(512), nullable=False, default=""),
)

group_roles = Table(
    "group_roles", metadata,
    Column("group_name", String(64), ForeignKey("groups.name", ondelete="CASCADE"), primary_key=True),
    Column("role_name", String(64), ForeignKey("roles.name", ondelete="CASCADE"), primary_key=True),
    Index("ix_group_roles_role", "role_name"),
)
user_roles = Table(
    "user_roles", metadata,
    Column("user_id", String(36), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role_name", String(64), ForeignKey("roles.name", ondelete="CASCADE"), primary_key=True),
    Index("ix_user_roles_role", "role_name"),
)
user_groups = Table(
    "user_groups", metadata,
    Column("user_id", String(36), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("group_name", String(64), ForeignKey("groups.name", ondelete="CASCADE"), primary_key=True),
    Index("ix_user_groups_group", "group_name"),
)
