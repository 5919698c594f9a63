"""Clients get `require_mfa`: every sign-in for the client needs a second factor (acr
urn:authgate:acr:mfa, OIDC Core §2), as if each request asked for it in acr_values.

Created 2026-12-07.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_client_require_mfa"
down_revision = "0008_catalog"


def upgrade() -> None:
    with op.batch_alter_table("clients") as batch:
        batch.add_column(sa.Column("require_mfa", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("require_mfa")
