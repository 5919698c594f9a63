"""Clients and authorization codes.

Created 2025-01-01.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "clients",
        sa.Column("client_id", sa.String(128), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("redirect_uris", sa.JSON, nullable=False),
        sa.Column("scopes", sa.JSON, nullable=False),
        sa.Column("grant_types", sa.JSON, nullable=False),
        sa.Column("client_type", sa.String(16), nullable=False),
        sa.Column("token_endpoint_auth_method", sa.String(32), nullable=False),
        sa.Column("first_party", sa.Boolean, nullable=False),
        sa.Column("pkce_optional", sa.Boolean, nullable=False),
        sa.Column("audiences", sa.JSON, nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "authorization_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("grant_id", sa.String(32), nullable=False),
        sa.Column("client_id", sa.String(128), nullable=False),
        sa.Column("user_id", sa.Text, nullable=False),
        sa.Column("sid", sa.Text, nullable=False),
        sa.Column("redirect_uri", sa.Text, nullable=False),
        sa.Column("scopes", sa.Text, nullable=False),
        sa.Column("nonce", sa.Text, nullable=False),
        sa.Column("code_challenge", sa.String(128), nullable=False),
        sa.Column("code_challenge_method", sa.String(16), nullable=False),
        sa.Column("auth_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("amr", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consumed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_authorization_codes_expires_at", "authorization_codes", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_authorization_codes_expires_at", table_name="authorization_codes")
    op.drop_table("authorization_codes")
    op.drop_table("clients")
