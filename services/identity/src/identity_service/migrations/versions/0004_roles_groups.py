"""Roles, groups and user attributes: `roles`, `groups`, the links between them and users
(cascading on delete), and `users.attributes`, a JSON object of custom claims.

Created 2026-12-07.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004_roles_groups"
down_revision = "0003_user_version"

_JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def _key(column: str, target: str, length: int = 64) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(column, sa.String(length), sa.ForeignKey(target, ondelete="CASCADE"), primary_key=True)


def upgrade() -> None:
    op.add_column("users", sa.Column("attributes", _JSON, nullable=False, server_default="{}"))
    for table in ("roles", "groups"):
        op.create_table(table, sa.Column("name", sa.String(64), primary_key=True),
                        sa.Column("description", sa.String(512), nullable=False, server_default=""))
    op.create_table("group_roles", _key("group_name", "groups.name"), _key("role_name", "roles.name"))
    op.create_table("user_roles", _key("user_id", "users.id", 36), _key("role_name", "roles.name"))
    op.create_table("user_groups", _key("user_id", "users.id", 36), _key("group_name", "groups.name"))
    # The primary keys serve "whose roles"; these serve deleting a role or group.
    op.create_index("ix_group_roles_role", "group_roles", ["role_name"])
    op.create_index("ix_user_roles_role", "user_roles", ["role_name"])
    op.create_index("ix_user_groups_group", "user_groups", ["group_name"])


def downgrade() -> None:
    for table in ("user_groups", "user_roles", "group_roles", "groups", "roles"):
        op.drop_table(table)
    op.drop_column("users", "attributes")
