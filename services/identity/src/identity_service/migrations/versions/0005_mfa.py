"""Second factors (issue 19): users.mfa_required, TOTP factors and recovery codes.

`mfa_factors.secret` holds the TOTP secret encrypted (AES-GCM, domain/mfa/secret_box.py);
`recovery_codes.code_hash` a keyed hash of each code. Both cascade with their user.

Created 2026-12-07.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_mfa"
down_revision = "0004_roles_groups"


def _user_id() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.add_column("users", sa.Column("mfa_required", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_table(
        "mfa_factors",
        sa.Column("id", sa.String(36), primary_key=True),
        _user_id(),
        sa.Column("kind", sa.String(16), nullable=False, server_default="totp"),
        sa.Column("label", sa.String(64), nullable=False, server_default=""),
        sa.Column("secret", sa.LargeBinary, nullable=False),
        sa.Column("last_step", sa.BigInteger, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_mfa_factors_user", "mfa_factors", ["user_id"])
    op.create_table(
        "recovery_codes",
        _user_id(),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("user_id", "code_hash"),
    )


def downgrade() -> None:
    op.drop_table("recovery_codes")
    op.drop_table("mfa_factors")
    op.drop_column("users", "mfa_required")
