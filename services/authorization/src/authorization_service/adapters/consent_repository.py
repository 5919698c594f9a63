"""Consents and outbox messages in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, and_, bindparam, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from ..domain.models import Consent, OutboxMessage
from .tables import consents, outbox


def _to_consent(row: Any) -> Consent:
    return Consent(user_id=row["user_id"], client_id=row["client_id"],
                   scopes=tuple(row["scopes"].split()),
                   granted_at=row["granted_at"], revoked_at=row["revoked_at"])


# Read on every /authorize (bench/NOTES.md, item 19: built once).
_GET = select(consents).where(consents.c.user_id == bindparam("user_id"),
                              consents.c.client_id == bindparam("client_id"))


class SqlConsentRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, user_id: str, client_id: str) -> Consent | None:
        row = self._s.execute(_GET, {"user_id": user_id, "client_id": client_id}).mappings().first()
        return _to_consent(row) if row is not None else None

    def active_for_user(self, user_id: str) -> list[Consent]:
        rows = self._s.execute(select(consents).where(
            consents.c.user_id == user_id, consents.c.revoked_at.is_(None),
        ).order_by(consents.c.client_id)).mappings()
        return [_to_consent(r) for r in rows]

    def save(self, consent: Consent) -> None:
        values = dict(scopes=" ".join(consent.scopes), granted_at=consent.granted_at,
                      revoked_at=consent.revoked_at)
        updated = self._s.execute(update(consents).where(
            consents.c.user_id == consent.user_id, consents.c.client_id == consent.client_id,
        ).values(**values))
        if not cast(CursorResult[Any], updated).rowcount:
            # A concurrent first insert makes this raise IntegrityError; the use case retries.
            self._s.execute(insert(consents).values(
                user_id=consent.user_id, client_id=consent.client_id, **values))

    def delete_for_client(self, client_id: str) -> int:
        deleted = self._s.execute(delete(consents).where(consents.c.client_id == client_id))
        return int(cast(CursorResult[Any], deleted).rowcount)


class SqlOutbox:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, topic: str, payload: dict[str, Any], now: datetime) -> None:
        self._s.execute(insert(outbox).values(topic=topic, payload=payload, created_at=now,
                                              attempts=0, next_attempt_at=now, last_error=""))

    def claim_due(self, topics: Sequence[str], now: datetime, limit: int,
                  lease_until: datetime) -> list[OutboxMessage]:
        # FOR UPDATE SKIP LOCKED on PostgreSQL (SQLite drops it and serialises writers); the
        # UPDATE re-checks the row is still due, so a row goes to one relay only.
        due = and_(outbox.c.delivered_at.is_(None), outbox.c.topic.in_(list(topics)),
                   or_(outbox.c.next_attempt_at.is_(None), outbox.c.next_attempt_at <= now))
        ids = self._s.execute(select(outbox.c.id).where(due).order_by(outbox.c.id).limit(limit)
                              .with_for_update(skip_locked=True)).scalars().all()
        if not ids:
            return []
        rows = self._s.execute(
            update(outbox).where(outbox.c.id.in_(list(ids)), due)
            .values(attempts=outbox.c.attempts + 1, next_attempt_at=lease_until)
            .returning(outbox.c.id, outbox.c.topic, outbox.c.payload, outbox.c.attempts)).all()
        return sorted((OutboxMessage(id=r[0], topic=r[1], payload=dict(r[2]), attempts=r[3]) for r in rows),
                      key=lambda m: m.id)

    def delivered(self, message_id: int, now: datetime) -> None:
        self._s.execute(update(outbox).where(outbox.c.id == message_id, outbox.c.delivered_at.is_(None))
                        .values(delivered_at=now, last_error=""))

    def retry_at(self, message_id: int, when: datetime, error: str) -> None:
        self._s.execute(update(outbox).where(outbox.c.id == message_id, outbox.c.delivered_at.is_(None))
                        .values(next_attempt_at=when, last_error=error[:500]))
