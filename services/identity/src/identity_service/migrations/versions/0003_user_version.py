"""Users get a version (the admin API's ETag) and an index for paging by creation time.

Created 2026-12-06.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_user_version"
down_revision = "0002_audit_events"


def upgrade() -> None:
    op.add_column("users", sa.Column("version", sa.Integer, nullable=False, server_default="1"))
    op.create_index("ix_users_created_at_id", "users", ["created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_users_created_at_id", table_name="users")
    op.drop_column("users", "version")
