"""The audit trail: an append-only record of who did what, to whom, from where.

Each service keeps its own `audit_events` table in its own schema (no audit service,
no cross-schema read). A use case writes its row through its unit of work, in the same
transaction as the change it records, so the change and its record commit or roll back
together; an event that changes nothing else (a failed login, a minted access token)
gets a short transaction of its own (StandaloneAudit). `authgate audit` reads the four
trails over gRPC (authgate_common.audit_service) and merges them by time.

Rows are never updated (a trigger refuses UPDATE, see audit_schema.py) and deleted only
by retention, in bounded batches. They never hold a secret: `details` is a small JSON object, and a key
naming one (password, secret, token, code, cookie …) is dropped, never stored.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import psycopg
import sqlalchemy as sa
from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import SQLAlchemyError

from . import request_id
from .errors import InvalidRequest, OAuthError
from .periodic_job import PeriodicJob

log = logging.getLogger(__name__)

TABLE = "audit_events"
OPERATOR = "operator"  # an administrator, through the internal gRPC API (the CLI)
SYSTEM = "system"  # the service itself (a scheduled job)
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
MAX_TEXT, MAX_DETAILS_CHARS = 256, 2048
# A details key containing any of these words names a secret: it is dropped.
SECRET_WORDS = frozenset(
    "password passwd secret secrets token tokens code codes cookie cookies authorization verifier "
    "assertion credential credentials hash key otp".split()
)
_WORD = re.compile(r"[a-z0-9]+")


def utc_now() -> datetime:
    return datetime.now(UTC)


def client_actor(client_id: str) -> str:
    return f"client:{client_id}" if client_id else ""


@dataclass(frozen=True)
class AuditEvent:
    """What a use case records; time, request id and (by default) address are added."""

    type: str  # dotted: login.failure, session.revoked, token.issued …
    subject: str = ""  # the user it is about (user id)
    actor: str = ""  # who did it: a user id, client_actor(…), OPERATOR or SYSTEM
    client_id: str = ""
    sid: str = ""
    source: str = ""  # the client address; empty: the current HTTP request's
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: datetime
    type: str
    actor: str
    subject: str
    client_id: str
    sid: str
    request_id: str
    source: str
    details: dict[str, Any]


class AuditTrail(Protocol):
    def record(self, event: AuditEvent) -> None: ...


metadata = sa.MetaData()
audit_events = sa.Table(
    TABLE,
    metadata,
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
    sa.Index("ix_audit_events_at", "at"),
    sa.Index("ix_audit_events_subject_at", "subject", "at"),
)

# --- where a request came from -----------------------------------------------------------

# Set per HTTP request by audit_service.SourceAddressMiddleware (every app has it).
current_source: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_source", default=None)


# --- writing ------------------------------------------------------------------------------


def _value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple):
        return [_value(v) for v in value[:32]]
    return str(value)[:MAX_TEXT]


def clean_details(details: Mapping[str, Any]) -> dict[str, Any]:
    """Scalars and short lists under keys that name no secret; at most ~2 KB of JSON."""
    clean: dict[str, Any] = {}
    for key, value in details.items():
        name = str(key)[:64]
        if SECRET_WORDS.intersection(_WORD.findall(name.lower())):
            log.warning("audit detail %r dropped: its name suggests a secret", name)
            continue
        clean[name] = _value(value)
    return clean if len(json.dumps(clean)) <= MAX_DETAILS_CHARS else {"truncated": True}


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


_INSERT = insert(audit_events)  # built once: use cases record inside most transactions


class SqlAuditTrail:
    """Writes into the caller's transaction (an ORM Session or a Connection): repositories
    expose one as `.audit`, so a use case records inside its unit of work."""

    def __init__(self, db: Any, clock: Callable[[], datetime] = utc_now) -> None:
        self._db = db
        self._clock = clock

    def record(self, event: AuditEvent) -> None:
        self._db.execute(_INSERT, row(event, self._clock()))


class HasAudit(Protocol):
    @property
    def audit(self) -> AuditTrail: ...


def _unstored(event: AuditEvent, exc: Exception) -> None:
    log.warning(
        "audit event %s (subject %r, sid %r) not stored: %s",
        event.type,
        event.subject,
        event.sid,
        exc.__class__.__name__,
    )


class StandaloneAudit:
    """For an event that changes nothing else: one short transaction through the unit of work.

    Best effort: a store that cannot take the row gets a warning in the log, and the action
    it records (a login attempt, a minted token) goes on. A change's own row is different:
    written in the change's transaction, it stands or falls with the change.
    """

    def __init__(self, uow: Callable[[], AbstractContextManager[HasAudit]]) -> None:
        self._uow = uow

    def record(self, event: AuditEvent) -> None:
        try:
            with self._uow() as tx:
                tx.audit.record(event)
        except (SQLAlchemyError, OAuthError) as exc:
            _unstored(event, exc)


class MemoryAuditTrail:
    """Keeps events in a list (the in-memory fakes of unit tests)."""

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    def record(self, event: AuditEvent) -> None:
        self.events.append(event)

    def types(self) -> list[str]:
        return [e.type for e in self.events]


# --- reading and retention ----------------------------------------------------------------


@dataclass(frozen=True)
class AuditQuery:
    user: str = ""
    since: datetime | None = None
    until: datetime | None = None
    type: str = ""  # exact, or a prefix ending in "*"
    limit: int = DEFAULT_LIMIT

    def checked(self) -> AuditQuery:
        if len(self.user) > 255 or len(self.type) > 64:
            raise InvalidRequest("user or type filter too long")
        if self.since and self.until and self.since > self.until:
            raise InvalidRequest("since must not be after until")
        limit = DEFAULT_LIMIT if self.limit <= 0 else min(self.limit, MAX_LIMIT)
        return AuditQuery(self.user, self.since, self.until, self.type, limit)


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
            _unstored(event, exc)

    def query(self, query: AuditQuery) -> list[AuditRecord]:
        """Newest first."""
        q, t = query.checked(), audit_events.c
        stmt = select(audit_events).order_by(t.at.desc(), t.id.desc()).limit(q.limit)
        if q.user:
            stmt = stmt.where(t.subject == q.user)
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


_COPY_COLUMNS = ("at", "type", "actor", "subject", "client_id", "sid", "request_id", "source", "details")
_COPY = f"COPY {TABLE} ({', '.join(_COPY_COLUMNS)}) FROM STDIN"


def _copy_rows(conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL's COPY, in the connection's transaction: a quarter of the CPU of a
    many-row INSERT built by SQLAlchemy (bench/NOTES.md, item 16), the same rows."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor, cursor.copy(_COPY) as copy:
        for item in rows:
            copy.write_row([json.dumps(item[c]) if c == "details" else item[c] for c in _COPY_COLUMNS])


class BufferedAuditLog(AuditLog):
    """An AuditLog whose standalone rows are written by a background thread, many per INSERT.

    For a hot path: every access token minted is a `token.issued` row, and a transaction of
    its own per token cost the token service more CPU than signing the token did (and held
    a pooled connection per request). The row is built when the event happens (time,
    request id, source address); it reaches the table within `flush_seconds`, together
    with the others of that moment. It stays best effort, as AuditLog's standalone rows
    are: a store that cannot take a batch keeps it for the next attempt, up to
    `max_pending` rows, beyond which new rows are dropped with a warning; `close()` (the
    service's shutdown) writes what is left. A read through `query()` on this replica
    writes first, so it sees its own rows.
    """

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utc_now, *,
                 flush_seconds: float = 0.05, max_pending: int = 10_000, batch: int = 500) -> None:
        super().__init__(engine, clock)
        self._flush_seconds, self._max_pending, self._batch = flush_seconds, max_pending, batch
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()  # guards _pending, _dropped, _writer and _closed
        self._write_lock = threading.Lock()  # one batch at a time, in order
        self._dropped = 0
        self._warned_at = 0.0
        self._closed = False
        self._writer: PeriodicJob | None = None  # started by the first row

    def record(self, event: AuditEvent) -> None:
        item = row(event, self._clock())
        with self._lock:
            if len(self._pending) >= self._max_pending:
                self._dropped += 1
                self._warn_dropped()
                return
            self._pending.append(item)
            if self._writer is None and not self._closed:
                self._writer = PeriodicJob("audit-writer", self.flush, self._flush_seconds).start()

    def _warn_dropped(self) -> None:
        now = time.monotonic()
        if now - self._warned_at >= 10:
            self._warned_at = now
            log.warning("audit: %d event(s) dropped so far, %d waiting for the store",
                        self._dropped, len(self._pending))

    def flush(self) -> int:
        """Write what is pending now; returns the rows written (0 if the store refused)."""
        written = 0
        with self._write_lock:
            while True:
                with self._lock:
                    rows, self._pending = self._pending[:self._batch], self._pending[self._batch:]
                if not rows:
                    return written
                try:
                    with self._engine.begin() as conn:
                        if conn.dialect.name == "postgresql":
                            _copy_rows(conn, rows)
                        else:
                            conn.execute(_INSERT, rows)
                except (SQLAlchemyError, psycopg.Error) as exc:
                    with self._lock:  # back to the front, for the next attempt
                        self._pending = (rows + self._pending)[:self._max_pending]
                    log.warning("audit: %d event(s) not stored yet: %s", len(rows), exc.__class__.__name__)
                    return written
                written += len(rows)

    def query(self, query: AuditQuery) -> list[AuditRecord]:
        self.flush()
        return super().query(query)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            writer = self._writer
        if writer is not None:
            writer.stop(wait_seconds=5)
        self.flush()
