"""Pushed authorization requests (RFC 9126): the requests waiting for /authorize, by the
keyed hash of their request_uri's reference (§2.2), and clients that may send only pushed
requests (`require_pushed_authorization_requests`, §5).

Created 2026-12-07.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_pushed_requests"
down_revision = "0010_device_authorizations"


def upgrade() -> None:
    with op.batch_alter_table("clients") as batch:
        batch.add_column(sa.Column("require_pushed_authorization_requests", sa.Boolean, nullable=False,
                                   server_default=sa.false()))
    op.create_table(
        "pushed_authorization_requests",
        sa.Column("reference_hash", sa.String(64), primary_key=True),
        sa.Column("client_id", sa.String(128), nullable=False),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_pushed_authorization_requests_expires_at", "pushed_authorization_requests",
                    ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_pushed_authorization_requests_expires_at", table_name="pushed_authorization_requests")
    op.drop_table("pushed_authorization_requests")
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("require_pushed_authorization_requests")
