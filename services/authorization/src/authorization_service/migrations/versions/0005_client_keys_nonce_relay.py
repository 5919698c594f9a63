"""private_key_jwt and nonce-required clients; retries of the outbox relay.

Clients get `jwks` (their public keys, RFC 7523 §2.2) and `require_nonce` (OIDC Core
§3.1.2.1). Outbox rows get what the relay needs to retry with backoff: `attempts`,
`next_attempt_at` (NULL: due now) and `last_error`.

Created 2026-11-02.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_client_keys_nonce_relay"
down_revision = "0004_audit_events"


def upgrade() -> None:
    with op.batch_alter_table("clients") as batch:
        batch.add_column(sa.Column("jwks", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("require_nonce", sa.Boolean, nullable=False, server_default=sa.false()))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_error", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("last_error")
        batch.drop_column("next_attempt_at")
        batch.drop_column("attempts")
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("require_nonce")
        batch.drop_column("jwks")
