"""The audit trail's store: rows written into a service's own `audit_events` table.

The event values and the rules on them (no secret in `details`) are the core's
(authgate_common.core.audit); the table is audit_schema's. A use case writes its row
through its unit of work (SqlAuditTrail, in the change's transaction); AuditLog writes
standalone rows, answers queries and prunes by retention; BufferedAuditLog
(audit_buffer.py) batches standalone rows on a hot path.

Rows are never updated (a trigger refuses UPDATE, see audit_schema.py) and deleted only
by retention, in bounded batches.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import SQLAlchemyError

from . import request_id
from .audit_schema import audit_events
from .core.audit import (
    AuditEvent,
    AuditQuery,
    AuditRecord,
    clean_details,
    current_source,
    register_store_errors,
    unstored,
    utc_now,
)

log = logging.getLogger(__name__)
# A standalone row the database refused is logged, not raised (core.audit.StandaloneAudit).
register_store_errors(SQLAlchemyError)


def row(event: AuditEvent, at: datetime) -> dict[str, Any]:
    return {
        "at": at.astimezone(UTC),
        "type": event.type[:64],
        "actor": event.actor[:255],
        "subject": event.subject[:255],
        "client_id": event.client_id[:255],
        "sid": event.sid[:255],
        "request_id": (request_id.get() or "")[:128],
        "source": (event.source or current_source.get() or "")[:64],
        "details": clean_details(event.details),
    }


INSERT = insert(audit_events)  # built once: use cases record inside most transactions


class SqlAuditTrail:
    """Writes into the caller's transaction (an ORM Session or a Connection): repositories
    expose one as `.audit`, so a use case records inside its unit of work."""

    def __init__(self, db: Any, clock: Callable[[], datetime] = utc_now) -> None:
        self._db = db
        self._clock = clock

    def record(self, event: AuditEvent) -> None:
        self._db.execute(INSERT, row(event, self._clock()))


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class AuditLog:
    """A service's trail on its own engine: standalone writes, queries and retention."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utc_now) -> None:
        self._engine = engine
        self._clock = clock

    def record(self, event: AuditEvent) -> None:
        """In a transaction of its own; best effort, like StandaloneAudit."""
        try:
            with self._engine.begin() as conn:
                SqlAuditTrail(conn, self._clock).record(event)
        except SQLAlchemyError as exc:
            unstored(event, exc)

    def query(self, query: AuditQuery) -> list[AuditRecord]:
        """Newest first."""
        q, t = query.checked(), audit_events.c
        stmt = select(audit_events).order_by(t.at.desc(), t.id.desc()).limit(q.limit)
        if q.user:
            stmt = stmt.where(t.subject == q.user)
        if q.actor:
            stmt = stmt.where(t.actor == q.actor)
        if q.client_id:
            stmt = stmt.where(t.client_id == q.client_id)
        if q.since is not None:
            stmt = stmt.where(t.at >= _utc(q.since))
        if q.until is not None:
            stmt = stmt.where(t.at < _utc(q.until))
        if q.type.endswith("*"):
            stmt = stmt.where(t.type.startswith(q.type[:-1], autoescape=True))
        elif q.type:
            stmt = stmt.where(t.type == q.type)
        with self._engine.connect() as conn:
            rows = conn.execute(stmt).mappings().all()
        return [AuditRecord(**{**r, "at": _utc(r["at"]), "details": dict(r["details"] or {})}) for r in rows]

    def close(self) -> None:
        """Nothing is pending here; BufferedAuditLog writes what it holds."""

    def prune(self, before: datetime, batch: int = 1000, max_batches: int = 10) -> int:
        """Delete rows older than `before`: at most batch × max_batches, a batch per transaction."""
        deleted = 0
        for _ in range(max_batches):
            oldest = (
                select(audit_events.c.id)
                .where(audit_events.c.at < _utc(before))
                .order_by(audit_events.c.at)
                .limit(batch)
            )
            with self._engine.begin() as conn:
                count = conn.execute(delete(audit_events).where(audit_events.c.id.in_(oldest))).rowcount
            deleted += count
            if count < batch:
                break
        return deleted
