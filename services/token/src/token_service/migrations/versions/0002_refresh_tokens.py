"""Refresh tokens, their families and the token audit trail.

Created 2025-01-02.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

BIGID = sa.BigInteger().with_variant(sa.Integer, "sqlite")  # SQLite autoincrements INTEGER only


def upgrade() -> None:
    op.create_table(
        "refresh_families",
        sa.Column("family_id", sa.String(64), primary_key=True),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("sid", sa.String(255), nullable=False, server_default=""),
        sa.Column("grant_id", sa.String(255), nullable=False),
        sa.Column("auth_time", sa.BigInteger, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(64), nullable=True),
    )
    op.create_index("ix_refresh_families_grant_id", "refresh_families", ["grant_id"])
    op.create_table(
        "refresh_tokens",
        sa.Column("id", BIGID, primary_key=True, autoincrement=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("family_id", sa.String(64), sa.ForeignKey("refresh_families.family_id"), nullable=False),
        sa.Column("parent_hash", sa.String(64), nullable=True),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("sid", sa.String(255), nullable=False, server_default=""),
        sa.Column("scopes", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("token_hash", name="uq_refresh_tokens_token_hash"),
    )
    for column in ("family_id", "parent_hash", "expires_at", "revoked_at"):
        op.create_index(f"ix_refresh_tokens_{column}", "refresh_tokens", [column])
    op.create_table(
        "token_audit",
        sa.Column("id", BIGID, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("client_id", sa.String(255), nullable=False, server_default=""),
        sa.Column("user_id", sa.String(255), nullable=False, server_default=""),
        sa.Column("sid", sa.String(255), nullable=False, server_default=""),
        sa.Column("family_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_index("ix_token_audit_at", "token_audit", ["at"])
    op.create_index("ix_token_audit_family_id", "token_audit", ["family_id"])


def downgrade() -> None:
    op.drop_table("token_audit")
    op.drop_table("refresh_tokens")
    op.drop_table("refresh_families")
