"""Passkeys (issue 19): WebAuthn credentials, one row per registered credential (WebAuthn
§7.1 step 27: id, public key, signature counter, transports, backup flags), deleted with
their user.

Created 2026-12-07.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007_passkeys"
down_revision = "0006_account_flows"

_JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "webauthn_credentials",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("credential_id", sa.LargeBinary, nullable=False),
        sa.Column("public_key", sa.LargeBinary, nullable=False),
        sa.Column("sign_count", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("transports", _JSON, nullable=False, server_default="[]"),
        sa.Column("backup_eligible", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("backed_up", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("credential_id", name="uq_webauthn_credentials_credential_id"),
    )
    op.create_index("ix_webauthn_credentials_user", "webauthn_credentials", ["user_id", "created_at"])


def downgrade() -> None:
    op.drop_table("webauthn_credentials")
