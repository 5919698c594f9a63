"""The audit_events table, defined once: the writers' sa.Table and each service's
Alembic migration are built from the same column list.

Migrations already applied ran create_table_v1, so the columns below are version 1 of
the table: a later change is a new migration (a new pair of functions here) that alters
the difference, and the change goes into the column list only together with it. On
PostgreSQL and SQLite a trigger refuses every UPDATE of an audit row; DELETE stays
possible for retention (authgate_common.audit_store.AuditLog.prune).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

TABLE = "audit_events"
INDEXES = (("ix_audit_events_at", ("at",)), ("ix_audit_events_subject_at", ("subject", "at")))


def columns() -> list[sa.Column[Any]]:
    """The table's columns, new objects on each call (a Column belongs to one table)."""
    return [
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("sid", sa.String(255), nullable=False),
        sa.Column("request_id", sa.String(128), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
    ]


metadata = sa.MetaData()
audit_events = sa.Table(TABLE, metadata, *columns(), *(sa.Index(name, *cols) for name, cols in INDEXES))


_PG_REFUSE_UPDATE = """
CREATE OR REPLACE FUNCTION audit_events_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
END $$"""
_PG_TRIGGER = (
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_update()"
)
_SQLITE_TRIGGER = (
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
)


def create_table_v1(op: Any) -> None:
    """Alembic upgrade body: the table, its indexes and the trigger refusing UPDATE."""
    op.create_table(TABLE, *columns())
    for name, cols in INDEXES:
        op.create_index(name, TABLE, list(cols))
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(_PG_REFUSE_UPDATE)
        op.execute(_PG_TRIGGER)
    elif dialect == "sqlite":
        op.execute(_SQLITE_TRIGGER)


def drop_table_v1(op: Any) -> None:
    dialect = op.get_bind().dialect.name
    op.execute(
        "DROP TRIGGER IF EXISTS audit_events_append_only"
        + (" ON audit_events" if dialect == "postgresql" else "")
    )
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_events_refuse_update()")
    for name, _cols in reversed(INDEXES):
        op.drop_index(name, table_name=TABLE)
    op.drop_table(TABLE)
