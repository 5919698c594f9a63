"""Dynamic client registration (RFC 7591 §3, RFC 7592 §3): initial access tokens (keyed
hash, expiry, uses left) and each registered client's registration access token (keyed
hash), deleted with the client.

Created 2026-12-07.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_dynamic_registration"
down_revision = "0011_pushed_requests"


def upgrade() -> None:
    op.create_table(
        "initial_access_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uses_left", sa.Integer, nullable=False),
    )
    op.create_table(
        "client_registrations",
        sa.Column("client_id", sa.String(128),
                  sa.ForeignKey("clients.client_id", ondelete="CASCADE"), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("client_registrations")
    op.drop_table("initial_access_tokens")
