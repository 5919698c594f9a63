"""Refresh families keep the RFC 8707 resource indicators of their grant, so that every
access token rotated out of it is for those resources (or fewer, §2.2: a refresh request
may narrow them).

Created 2026-12-07.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_refresh_family_resources"
down_revision = "0006_refresh_family_amr"


def upgrade() -> None:
    with op.batch_alter_table("refresh_families") as batch:
        batch.add_column(sa.Column("resources", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("refresh_families") as batch:
        batch.drop_column("resources")
