"""Logout: clients' post_logout_redirect_uris and back-channel logout registration (OIDC
RP-Initiated Logout 1.0 §3.1, Back-Channel Logout 1.0 §2.2), the clients that took part
in each session, and the back-channel logouts waiting for delivery.

Created 2025-03-01.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    with op.batch_alter_table("clients") as batch:
        batch.add_column(
            sa.Column("post_logout_redirect_uris", sa.JSON, nullable=False, server_default=sa.text("'[]'"))
        )
        batch.add_column(sa.Column("backchannel_logout_uri", sa.Text, nullable=False, server_default=""))
        batch.add_column(
            sa.Column(
                "backchannel_logout_session_required", sa.Boolean, nullable=False, server_default=sa.true()
            )
        )
    op.create_table(
        "session_participants",
        sa.Column("sid", sa.Text, primary_key=True),
        sa.Column("client_id", sa.String(128), primary_key=True),
        sa.Column("user_id", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_session_participants_created_at", "session_participants", ["created_at"])
    op.create_table(
        "backchannel_logouts",
        # SQLite only auto-increments an INTEGER PRIMARY KEY.
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
        sa.Column("sid", sa.Text, nullable=False),
        sa.Column("client_id", sa.String(128), nullable=False),
        sa.Column("user_id", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text, nullable=False, server_default=""),
        sa.UniqueConstraint("sid", "client_id", name="uq_backchannel_logouts_sid_client"),
    )
    op.create_index("ix_backchannel_logouts_due", "backchannel_logouts", ["state", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_backchannel_logouts_due", table_name="backchannel_logouts")
    op.drop_table("backchannel_logouts")
    op.drop_index("ix_session_participants_created_at", table_name="session_participants")
    op.drop_table("session_participants")
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("backchannel_logout_session_required")
        batch.drop_column("backchannel_logout_uri")
        batch.drop_column("post_logout_redirect_uris")
