"""Signing keys (private keys encrypted at rest).

Created 2025-01-01.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(64), primary_key=True),
        sa.Column("alg", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("private_key_encrypted", sa.Text, nullable=False),
        sa.Column("public_jwk", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('next', 'current', 'retired')", name="ck_signing_keys_state"),
    )
    op.create_index("uq_signing_keys_one_current", "signing_keys", ["state"], unique=True,
                    postgresql_where=sa.text("state = 'current'"),
                    sqlite_where=sa.text("state = 'current'"))


def downgrade() -> None:
    op.drop_index("uq_signing_keys_one_current", table_name="signing_keys")
    op.drop_table("signing_keys")
