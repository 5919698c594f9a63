"""Refresh tokens, families and the audit trail in SQL (PostgreSQL or the embedded SQLite).

Rotation relies on one conditional UPDATE … RETURNING (PostgreSQL, SQLite ≥ 3.35): under
READ COMMITTED a concurrent UPDATE of the same row waits for the first to commit and then
finds `used_at` set, so exactly one caller wins. Locks are taken token rows first, family
row last, by every path, so concurrent rotation and revocation cannot deadlock. SQLite
has no row locks (FOR UPDATE is dropped there); it serialises writers instead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from authgate_common.audit_store import SqlAuditTrail
from authgate_common.core.audit import AuditEvent
from authgate_common.db import RepositoryUnitOfWork
from sqlalchemy import Engine, RowMapping, Select, bindparam, delete, exists, insert, or_, select, update
from sqlalchemy.orm import Session

from ..domain.refresh.refresh_store import RefreshFamily, RefreshToken
from .jti_repository import SqlJtiRecord
from .tables import refresh_families as fam
from .tables import refresh_tokens as tok


def _token(row: RowMapping) -> RefreshToken:
    return RefreshToken(
        token_hash=row["token_hash"], family_id=row["family_id"], parent_hash=row["parent_hash"],
        client_id=row["client_id"], user_id=row["user_id"], sid=row["sid"] or "",
        scopes=tuple(row["scopes"].split()), created_at=row["created_at"], expires_at=row["expires_at"],
        used_at=row["used_at"], revoked_at=row["revoked_at"])


def _family(row: RowMapping) -> RefreshFamily:
    return RefreshFamily(
        family_id=row["family_id"], client_id=row["client_id"], user_id=row["user_id"],
        sid=row["sid"] or "", grant_id=row["grant_id"], created_at=row["created_at"],
        auth_time=row["auth_time"], amr=tuple((row["amr"] or "").split()), revoked_at=row["revoked_at"],
        revoked_reason=row["revoked_reason"] or "", resources=tuple((row["resources"] or "").split()),
        dpop_jkt=row["dpop_jkt"] or "")


# The statements of every rotation, built once: building one (and its cache key) cost more
# CPU than executing it (bench/NOTES.md, item 19).
_CONSUME = (update(tok)
            .where(tok.c.token_hash == bindparam("hash"), tok.c.client_id == bindparam("client"),
                   tok.c.used_at.is_(None), tok.c.revoked_at.is_(None), tok.c.expires_at > bindparam("now"))
            .values(used_at=bindparam("used_at"))
            .returning(*tok.c))
_TOKEN = select(tok).where(tok.c.token_hash == bindparam("hash"))
_FAMILY = select(fam).where(fam.c.family_id == bindparam("family"))
_LOCKED = {False: {"token": _TOKEN, "family": _FAMILY},
           True: {"token": _TOKEN.with_for_update(), "family": _FAMILY.with_for_update()}}
_ADD_TOKEN = insert(tok)
_ADD_FAMILY = insert(fam)


class SqlRefreshRepository:
    def __init__(self, session: Session) -> None:
        self._s = session
        self.jtis = SqlJtiRecord(session)

    def _one(self, stmt: Select[Any], lock: bool) -> RowMapping | None:
        return self._s.execute(stmt.with_for_update() if lock else stmt).mappings().first()

    def add_family(self, family: RefreshFamily) -> None:
        self._s.execute(_ADD_FAMILY, {
            "family_id": family.family_id, "client_id": family.client_id, "user_id": family.user_id,
            "sid": family.sid, "grant_id": family.grant_id, "auth_time": family.auth_time,
            "amr": " ".join(family.amr), "created_at": family.created_at,
            "resources": " ".join(family.resources), "dpop_jkt": family.dpop_jkt or None})

    def add_token(self, token: RefreshToken) -> None:
        self._s.execute(_ADD_TOKEN, {
            "token_hash": token.token_hash, "family_id": token.family_id, "parent_hash": token.parent_hash,
            "client_id": token.client_id, "user_id": token.user_id, "sid": token.sid,
            "scopes": " ".join(token.scopes), "created_at": token.created_at,
            "expires_at": token.expires_at})

    def consume(self, token_hash: str, client_id: str, now: datetime) -> RefreshToken | None:
        row = self._s.execute(_CONSUME, {"hash": token_hash, "client": client_id, "now": now,
                                         "used_at": now}).mappings().first()
        return _token(row) if row else None

    def get_token(self, token_hash: str, *, lock: bool = False) -> RefreshToken | None:
        row = self._s.execute(_LOCKED[lock]["token"], {"hash": token_hash}).mappings().first()
        return _token(row) if row else None

    def get_family(self, family_id: str, *, lock: bool = False) -> RefreshFamily | None:
        row = self._s.execute(_LOCKED[lock]["family"], {"family": family_id}).mappings().first()
        return _family(row) if row else None

    def live_child(self, parent_hash: str, *, lock: bool = False) -> RefreshToken | None:
        stmt = (select(tok).where(tok.c.parent_hash == parent_hash, tok.c.revoked_at.is_(None))
                .order_by(tok.c.id.desc()).limit(1))
        row = self._one(stmt, lock)
        return _token(row) if row else None

    def revoke_token(self, token_hash: str, now: datetime) -> None:
        self._s.execute(update(tok).where(tok.c.token_hash == token_hash, tok.c.revoked_at.is_(None))
                        .values(revoked_at=now))

    def revoke_family(self, family_id: str, reason: str, now: datetime) -> bool:
        # Token rows first, the family row last: the lock order every path follows.
        self._s.execute(update(tok).where(tok.c.family_id == family_id, tok.c.revoked_at.is_(None))
                        .values(revoked_at=now))
        result = self._s.execute(update(fam).where(fam.c.family_id == family_id, fam.c.revoked_at.is_(None))
                                 .values(revoked_at=now, revoked_reason=reason))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def families_of_grant(self, grant_id: str) -> list[str]:
        stmt = select(fam.c.family_id).where(fam.c.grant_id == grant_id, fam.c.revoked_at.is_(None))
        return list(self._s.execute(stmt).scalars())

    def families_of_client_user(self, client_id: str, user_id: str) -> list[str]:
        stmt = select(fam.c.family_id).where(fam.c.client_id == client_id, fam.c.revoked_at.is_(None))
        if user_id:
            stmt = stmt.where(fam.c.user_id == user_id)
        return list(self._s.execute(stmt).scalars())

    def audit(self, event: AuditEvent, now: datetime) -> None:
        """Into the service's audit trail, in this transaction."""
        SqlAuditTrail(self._s, lambda: now).record(event)

    def delete_stale(self, cutoff: datetime, limit: int) -> int:
        ids = list(self._s.execute(
            select(tok.c.id).where(or_(tok.c.expires_at < cutoff, tok.c.revoked_at < cutoff))
            .limit(limit)).scalars())
        if ids:
            self._s.execute(delete(tok).where(tok.c.id.in_(ids)))
        if len(ids) >= limit:
            return len(ids)
        has_tokens = exists().where(tok.c.family_id == fam.c.family_id)
        stale = or_(fam.c.revoked_at < cutoff, fam.c.created_at < cutoff)
        families = list(self._s.execute(
            select(fam.c.family_id).where(~has_tokens, stale).limit(limit - len(ids))).scalars())
        if families:
            self._s.execute(delete(fam).where(fam.c.family_id.in_(families)))
        return len(ids) + len(families)


class SqlRefreshUnitOfWork(RepositoryUnitOfWork[SqlRefreshRepository]):
    """One transaction per `with`; the repository never commits."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, SqlRefreshRepository)
