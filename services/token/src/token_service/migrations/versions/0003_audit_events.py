"""The token service's audit trail becomes the shared append-only `audit_events`
(authgate_common.audit_schema): the rows of `token_audit` are carried over as `token.<event>`
(the family id moves into the details) and `token_audit` is dropped.

Created 2026-11-01.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from authgate_common.audit_schema import create_table_v1, drop_table_v1

revision = "0003_audit_events"
down_revision = "0002"

BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
old = sa.table(
    "token_audit",
    sa.column("id", BIGID),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("event", sa.String),
    sa.column("client_id", sa.String),
    sa.column("user_id", sa.String),
    sa.column("sid", sa.String),
    sa.column("family_id", sa.String),
    sa.column("detail", sa.JSON),
)
new = sa.table(
    "audit_events",
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("type", sa.String),
    sa.column("actor", sa.String),
    sa.column("subject", sa.String),
    sa.column("client_id", sa.String),
    sa.column("sid", sa.String),
    sa.column("request_id", sa.String),
    sa.column("source", sa.String),
    sa.column("details", sa.JSON),
)


def upgrade() -> None:
    create_table_v1(op)
    bind = op.get_bind()
    last = 0
    while True:  # in pages, so a long history never sits in memory at once
        page = sa.select(old).where(old.c.id > last).order_by(old.c.id).limit(1000)
        rows = bind.execute(page).mappings().all()
        if not rows:
            break
        last = rows[-1]["id"]
        bind.execute(sa.insert(new), [_carried(r) for r in rows])
    op.drop_index("ix_token_audit_family_id", table_name="token_audit")
    op.drop_index("ix_token_audit_at", table_name="token_audit")
    op.drop_table("token_audit")


def _carried(r: sa.RowMapping) -> dict[str, object]:
    family = {"family_id": r["family_id"]} if r["family_id"] else {}
    return {
        "at": r["at"],
        "type": "token." + r["event"],
        "subject": r["user_id"],
        "client_id": r["client_id"],
        "actor": f"client:{r['client_id']}" if r["client_id"] else "",
        "sid": r["sid"],
        "request_id": "",
        "source": "",
        "details": {**(r["detail"] or {}), **family},
    }


def downgrade() -> None:
    # token_audit comes back empty: downgrading loses the audit history.
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
    drop_table_v1(op)
