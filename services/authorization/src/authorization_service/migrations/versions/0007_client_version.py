"""Clients get a version (the admin API's ETag, bumped by every change) and an index for
paging by registration time.

Created 2026-12-07.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_client_version"
down_revision = "0006_admin_clients"


def upgrade() -> None:
    with op.batch_alter_table("clients") as batch:
        batch.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="1"))
    op.create_index("ix_clients_created_at_client_id", "clients", ["created_at", "client_id"])


def downgrade() -> None:
    op.drop_index("ix_clients_created_at_client_id", table_name="clients")
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("version")
