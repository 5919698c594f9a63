"""The scope catalogue (issue 17): the operator's scopes and the APIs (resource servers)
they are permissions of, and the catalogue's revision (one more per change). Built-in
scopes (openid, profile, email, account, admin:*) live in code. Seeded with what authgate
always had: the API `default` (audience urn:authgate:api, which the gateway's protected
routes require) and its scopes read, write and admin.

Created 2026-12-07.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0008_catalog"
down_revision = "0007_client_version"

_SEEDED_API = {"name": "default", "audience": "urn:authgate:api",
               "description": "The resource API behind the gateway"}
_SEEDED_SCOPES = [("read", "Read your data"), ("write", "Change your data"),
                  ("admin", "Administer your account")]


def upgrade() -> None:
    now = datetime.now(UTC)
    apis = op.create_table(
        "apis",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("audience", sa.String(256), nullable=False, unique=True),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    scopes = op.create_table(
        "scopes",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("api", sa.String(64), sa.ForeignKey("apis.name"), nullable=True),
        sa.Column("claims", sa.JSON, nullable=False),
        sa.Column("access_token_claims", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_scopes_api", "scopes", ["api"])
    revisions = op.create_table(
        "catalog_revision",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("revision", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(apis, [{**_SEEDED_API, "created_at": now, "updated_at": now}])
    op.bulk_insert(scopes, [{"name": name, "description": text, "api": "default", "claims": [],
                             "access_token_claims": [], "created_at": now, "updated_at": now}
                            for name, text in _SEEDED_SCOPES])
    op.bulk_insert(revisions, [{"id": 1, "revision": 1}])


def downgrade() -> None:
    op.drop_table("catalog_revision")
    op.drop_index("ix_scopes_api", table_name="scopes")
    op.drop_table("scopes")
    op.drop_table("apis")
