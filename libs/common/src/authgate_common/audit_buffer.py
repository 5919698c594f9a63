"""BufferedAuditLog: an AuditLog whose standalone rows a background thread writes in batches."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from .audit_schema import TABLE
from .audit_store import INSERT, AuditLog, row
from .core.audit import AuditEvent, AuditQuery, AuditRecord, utc_now
from .periodic_job import PeriodicJob

log = logging.getLogger(__name__)

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
                            conn.execute(INSERT, rows)
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
