"""Session participants and back-channel logouts in SQL.

Enqueueing is `INSERT … ON CONFLICT DO NOTHING` on the unique (sid, client_id), so
replicas hearing of the same session add one row between them. Claiming locks due rows
with `FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite serialises writers) and the UPDATE
re-checks that each is still pending and due, so a row is claimed by one replica only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Table, and_, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..domain.backchannel.models import DELIVERED, FAILED, PENDING, Notice
from .tables import backchannel_logouts as logouts
from .tables import clients
from .tables import session_participants as participants


def _insert_ignoring_duplicates(session: Session, table: Table, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # RETURNING counts what was inserted (a multi-row INSERT's rowcount is not reliable).
    key = next(iter(table.primary_key.columns))
    return len(session.execute(insert(table).values(rows).on_conflict_do_nothing().returning(key)).all())


_ADD_PARTICIPANT = {"postgresql": postgresql.insert(participants).on_conflict_do_nothing(),
                    "sqlite": sqlite.insert(participants).on_conflict_do_nothing()}


class SqlBackchannelRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add_participant(self, sid: str, client_id: str, user_id: str, now: datetime) -> None:
        # Every code issued for a session runs it: built once per dialect (bench/NOTES.md, item 19).
        self._s.execute(_ADD_PARTICIPANT[self._s.get_bind().dialect.name],
                        {"sid": sid, "client_id": client_id, "user_id": user_id, "created_at": now})

    def enqueue(self, sids: Sequence[str], now: datetime) -> int:
        if not sids:
            return 0
        found = self._s.execute(
            select(participants.c.sid, participants.c.client_id, participants.c.user_id)
            .join(clients, clients.c.client_id == participants.c.client_id)
            .where(participants.c.sid.in_(list(sids)), clients.c.backchannel_logout_uri != "")
        ).all()
        rows = [
            {
                "sid": sid,
                "client_id": client_id,
                "user_id": user_id,
                "state": PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                "last_error": "",
            }
            for sid, client_id, user_id in found
        ]
        return _insert_ignoring_duplicates(self._s, logouts, rows)

    def claim_due(self, now: datetime, limit: int, lease_until: datetime) -> list[Notice]:
        due = and_(logouts.c.state == PENDING, logouts.c.next_attempt_at <= now)
        ids = (
            self._s.execute(
                select(logouts.c.id)
                .where(due)
                .order_by(logouts.c.next_attempt_at, logouts.c.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            .scalars()
            .all()
        )
        if not ids:
            return []
        claimed = self._s.execute(
            update(logouts)
            .where(logouts.c.id.in_(list(ids)), due)
            .values(attempts=logouts.c.attempts + 1, next_attempt_at=lease_until)
            .returning(
                logouts.c.id, logouts.c.sid, logouts.c.client_id, logouts.c.user_id, logouts.c.attempts
            )
        ).all()
        return sorted(
            (Notice(id=r[0], sid=r[1], client_id=r[2], user_id=r[3], attempts=r[4]) for r in claimed),
            key=lambda n: n.id,
        )

    def delivered(self, notice_id: int, now: datetime) -> None:
        self._finish(notice_id, DELIVERED, now, "")

    def give_up(self, notice_id: int, now: datetime, error: str) -> None:
        self._finish(notice_id, FAILED, now, error)

    def retry_at(self, notice_id: int, when: datetime, error: str) -> None:
        self._s.execute(
            update(logouts)
            .where(logouts.c.id == notice_id, logouts.c.state == PENDING)
            .values(next_attempt_at=when, last_error=error[:500])
        )

    def _finish(self, notice_id: int, state: str, now: datetime, error: str) -> None:
        self._s.execute(
            update(logouts)
            .where(logouts.c.id == notice_id, logouts.c.state == PENDING)
            .values(state=state, finished_at=now, last_error=error[:500])
        )

    def purge(self, finished_before: datetime, participants_before: datetime) -> int:
        gone = self._s.execute(
            delete(logouts).where(logouts.c.state != PENDING, logouts.c.finished_at < finished_before)
        )
        old = self._s.execute(delete(participants).where(participants.c.created_at < participants_before))
        return int(cast(CursorResult[Any], gone).rowcount) + int(cast(CursorResult[Any], old).rowcount)
