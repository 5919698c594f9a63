"""Consents (per user and client, the scopes approved) and the outbox of messages to
other services (a withdrawn consent must revoke the client's refresh tokens).

Created 2025-02-01.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "consents",
        sa.Column("user_id", sa.Text, primary_key=True),
        sa.Column("client_id", sa.String(128), primary_key=True),
        sa.Column("scopes", sa.Text, nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_consents_client_id", "consents", ["client_id"])
    op.create_table(
        "outbox",
        # SQLite only auto-increments an INTEGER PRIMARY KEY.
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_outbox_undelivered", "outbox", ["delivered_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_undelivered", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("ix_consents_client_id", table_name="consents")
    op.drop_table("consents")
