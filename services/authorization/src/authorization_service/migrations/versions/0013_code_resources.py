"""Authorization codes remember their RFC 8707 resource indicators (`resource` at
/authorize), so the token endpoint can hold the exchange to them (§2.2).

Created 2026-12-07.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_code_resources"
# After par (0011) and dcr (0012), which landed in the same increment.
down_revision = "0012_dynamic_registration"


def upgrade() -> None:
    with op.batch_alter_table("authorization_codes") as batch:
        batch.add_column(sa.Column("resources", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("authorization_codes") as batch:
        batch.drop_column("resources")
