"""Refresh families keep how the user signed in (`amr`, RFC 8176), so that every access
and ID token rotated out of one code grant carries the same `amr` and `acr` (RFC 9068
§2.2.1; OIDC Core §12.2: a refreshed ID token describes the original authentication).

Created 2026-12-07.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_refresh_family_amr"
down_revision = "0005_revoked_clients"


def upgrade() -> None:
    with op.batch_alter_table("refresh_families") as batch:
        batch.add_column(sa.Column("amr", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("refresh_families") as batch:
        batch.drop_column("amr")
