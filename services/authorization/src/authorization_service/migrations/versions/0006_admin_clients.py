"""Admin clients: `clients.admin`, set by an operator, the one kind of client that may
hold the admin API's scopes (authgate_common.core.admin_scope). Every existing client is
not one.

Created 2026-12-06.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_admin_clients"
down_revision = "0005_client_keys_nonce_relay"


def upgrade() -> None:
    with op.batch_alter_table("clients") as batch:
        batch.add_column(sa.Column("admin", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("admin")
