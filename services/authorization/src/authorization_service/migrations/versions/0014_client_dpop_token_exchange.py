"""Clients get `dpop_bound_access_tokens` (RFC 9449 §5.2: every access token DPoP-bound) and
a token exchange policy (RFC 8693): `token_exchange_impersonation`,
`token_exchange_delegation` and `token_exchange_subject_audiences`.

Created 2026-12-08.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_client_dpop_token_exchange"
down_revision = "0013_code_resources"


def upgrade() -> None:
    with op.batch_alter_table("clients") as batch:
        batch.add_column(sa.Column("dpop_bound_access_tokens", sa.Boolean, nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("token_exchange_impersonation", sa.Boolean, nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("token_exchange_delegation", sa.Boolean, nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("token_exchange_subject_audiences", sa.JSON, nullable=False,
                                   server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("token_exchange_subject_audiences")
        batch.drop_column("token_exchange_delegation")
        batch.drop_column("token_exchange_impersonation")
        batch.drop_column("dpop_bound_access_tokens")
