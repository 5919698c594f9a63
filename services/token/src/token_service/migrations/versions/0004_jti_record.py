"""Access tokens by jti in PostgreSQL: what the code and refresh grants issued, and every
revoked one, so the Redis deny-list can be rebuilt when Redis comes back empty (issue 7).

Created 2026-11-20.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_jti_record"
down_revision = "0003_audit_events"


def upgrade() -> None:
    op.create_table(
        "issued_jtis",
        sa.Column("jti", sa.String(255), primary_key=True),
        sa.Column("grant_id", sa.String(255), nullable=False),
        sa.Column("family_id", sa.String(64), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("grant_id", "family_id", "expires_at"):
        op.create_index(f"ix_issued_jtis_{column}", "issued_jtis", [column])
    op.create_table(
        "revoked_jtis",
        sa.Column("jti", sa.String(255), primary_key=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("expires_at", "revoked_at"):
        op.create_index(f"ix_revoked_jtis_{column}", "revoked_jtis", [column])


def downgrade() -> None:
    op.drop_table("revoked_jtis")
    op.drop_table("issued_jtis")
