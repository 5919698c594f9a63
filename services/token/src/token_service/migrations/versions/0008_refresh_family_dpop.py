"""Refresh families remember the DPoP key a public client's family is bound to (RFC 9449
§5): every rotation of such a family needs a proof of that key. NULL: not bound (families
from before, confidential clients, requests without a proof).

Created 2026-12-14.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_refresh_family_dpop"
down_revision = "0007_refresh_family_resources"


def upgrade() -> None:
    with op.batch_alter_table("refresh_families") as batch:
        batch.add_column(sa.Column("dpop_jkt", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("refresh_families") as batch:
        batch.drop_column("dpop_jkt")
