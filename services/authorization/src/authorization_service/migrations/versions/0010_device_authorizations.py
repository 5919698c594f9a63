"""Device authorizations (RFC 8628 §3.1-3.5): one row per device_code, stored by the keyed
hash of the device code and of the normalised user code, never the codes themselves; the
person's decision (approved: the grant; denied) and the client's last poll (§3.5 slow_down).

Created 2026-12-07.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_device_authorizations"
down_revision = "0009_client_require_mfa"


def upgrade() -> None:
    op.create_table(
        "device_authorizations",
        sa.Column("device_code_hash", sa.String(64), primary_key=True),
        sa.Column("user_code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("grant_id", sa.String(32), nullable=False),
        sa.Column("client_id", sa.String(128), nullable=False),
        sa.Column("scopes", sa.Text, nullable=False),
        sa.Column("resources", sa.JSON, nullable=False),
        sa.Column("interval", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("user_id", sa.Text, nullable=False, server_default=""),
        sa.Column("sid", sa.Text, nullable=False, server_default=""),
        sa.Column("auth_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("amr", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_polled_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_device_authorizations_expires_at", "device_authorizations", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_device_authorizations_expires_at", table_name="device_authorizations")
    op.drop_table("device_authorizations")
