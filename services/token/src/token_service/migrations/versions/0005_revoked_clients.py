"""Deleted clients in the revocation record: every access token of the client issued up to
the second it was deleted is refused, for as long as such a token could live (issue 17).

Created 2026-12-07.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_revoked_clients"
down_revision = "0004_jti_record"


def upgrade() -> None:
    op.create_table(
        "revoked_clients",
        sa.Column("client_id", sa.String(255), primary_key=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("expires_at", "revoked_at"):
        op.create_index(f"ix_revoked_clients_{column}", "revoked_clients", [column])


def downgrade() -> None:
    op.drop_table("revoked_clients")
