"""Session rows in SQL (PostgreSQL, or SQLite for the embedded default)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from authgate_common.audit_store import SqlAuditTrail
from authgate_common.core.audit import AuditTrail
from authgate_common.db import RepositoryUnitOfWork
from sqlalchemy import CursorResult, Engine, insert, select, tuple_, update
from sqlalchemy.orm import Session as DbSession

from ..domain.model import Session
from .tables import sessions


def _to_session(row: Any) -> Session:
    return Session(
        sid=row["sid"], token_hash=row["token_hash"], user_id=row["user_id"],
        client_ip=row["client_ip"], user_agent=row["user_agent"], amr=tuple(json.loads(row["amr"])),
        created_at=row["created_at"], auth_time=row["auth_time"], expires_at=row["expires_at"],
        last_seen_at=row["last_seen_at"], revoked_at=row["revoked_at"], revoked_reason=row["revoked_reason"])


class SqlSessionRepository:
    def __init__(self, db: DbSession) -> None:
        self._db = db
        self.audit: AuditTrail = SqlAuditTrail(db)

    def add(self, s: Session) -> None:
        self._db.execute(insert(sessions).values(
            sid=s.sid, token_hash=s.token_hash, user_id=s.user_id, client_ip=s.client_ip,
            user_agent=s.user_agent, amr=json.dumps(list(s.amr)), created_at=s.created_at,
            auth_time=s.auth_time, expires_at=s.expires_at, last_seen_at=s.last_seen_at))

    def _one(self, where: Any) -> Session | None:
        row = self._db.execute(select(sessions).where(where)).mappings().first()
        return _to_session(row) if row is not None else None

    def get_by_token_hash(self, token_hash: str) -> Session | None:
        return self._one(sessions.c.token_hash == token_hash)

    def get_by_sid(self, sid: str) -> Session | None:
        return self._one(sessions.c.sid == sid)

    def list_active(self, user_id: str, now: datetime) -> list[Session]:
        rows = self._db.execute(select(sessions).where(
            sessions.c.user_id == user_id, sessions.c.revoked_at.is_(None),
            sessions.c.expires_at > now).order_by(sessions.c.created_at)).mappings()
        return [_to_session(r) for r in rows]

    def touch(self, sid: str, last_seen_at: datetime) -> None:
        # Never moves backwards, never revives a revoked row.
        self._db.execute(update(sessions).where(
            sessions.c.sid == sid, sessions.c.revoked_at.is_(None),
            sessions.c.last_seen_at < last_seen_at).values(last_seen_at=last_seen_at))

    def elevate(self, s: Session, old_token_hash: str) -> bool:
        result = self._db.execute(update(sessions).where(
            sessions.c.sid == s.sid, sessions.c.token_hash == old_token_hash,
            sessions.c.revoked_at.is_(None)).values(
            token_hash=s.token_hash, amr=json.dumps(list(s.amr)), auth_time=s.auth_time,
            last_seen_at=s.last_seen_at))
        return bool(cast(CursorResult[Any], result).rowcount)

    def mark_revoked(self, sids: Sequence[str], when: datetime, reason: str) -> None:
        self._db.execute(update(sessions).where(
            sessions.c.sid.in_(list(sids)), sessions.c.revoked_at.is_(None)).values(
            revoked_at=when, revoked_reason=reason[:64]))

    def revoked_since(self, since: datetime, limit: int | None = None,
                      after: tuple[datetime, str] | None = None) -> list[Session]:
        query = select(sessions).where(sessions.c.revoked_at > since)
        if after is not None:  # keyset pagination on the (revoked_at, sid) index
            query = query.where(tuple_(sessions.c.revoked_at, sessions.c.sid) > tuple_(*after))
        query = query.order_by(sessions.c.revoked_at, sessions.c.sid).limit(limit)
        return [_to_session(r) for r in self._db.execute(query).mappings()]


class SqlUnitOfWork(RepositoryUnitOfWork[SqlSessionRepository]):
    """One transaction per use-case step, committed on success."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, SqlSessionRepository)
