"""Users in SQL. The unit of work owns the transaction; a unique-index violation (a
username or email taken, even by a racing request) surfaces as AlreadyExists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from authgate_common.audit_store import SqlAuditTrail
from authgate_common.core.audit import AuditTrail
from authgate_common.core.errors import AlreadyExists
from authgate_common.db import RepositoryUnitOfWork
from sqlalchemy import CursorResult, Engine, and_, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..domain.admin.paging import UserQuery
from ..domain.users import User
from .tables import users

_FIELDS = ("id", "username", "email", "email_verified", "name", "given_name", "family_name",
           "disabled", "password_hash", "created_at", "updated_at", "version")


def _to_user(row: Any) -> User:
    return User(**{f: row[f] for f in _FIELDS})


class SqlUserRepository:
    def __init__(self, session: Session) -> None:
        self._s = session
        self.audit: AuditTrail = SqlAuditTrail(session)

    def add(self, user: User) -> None:
        self._s.execute(insert(users).values(
            **{f: getattr(user, f) for f in _FIELDS},
            username_key=user.username_key, email_key=user.email_key))

    def save(self, user: User) -> None:
        mutable = {f: getattr(user, f) for f in _FIELDS if f not in ("id", "created_at")}
        self._s.execute(update(users).where(users.c.id == user.id).values(
            **mutable, username_key=user.username_key, email_key=user.email_key))

    def get(self, user_id: str, *, for_update: bool = False) -> User | None:
        return self._one(users.c.id == user_id, for_update=for_update)

    def get_by_username_key(self, key: str) -> User | None:
        return self._one(users.c.username_key == key)

    def get_by_email_key(self, key: str) -> User | None:
        return self._one(users.c.email_key == key)

    def list(self, limit: int) -> list[User]:
        query = select(users).order_by(users.c.username_key, users.c.id).limit(limit)
        return [_to_user(r) for r in self._s.execute(query).mappings()]

    def page(self, query: UserQuery, limit: int) -> Sequence[User]:
        conditions = []
        if query.after is not None:
            at, last = query.after.created_at, query.after.id
            conditions.append(or_(users.c.created_at > at, and_(users.c.created_at == at, users.c.id > last)))
        if query.username_key is not None:
            conditions.append(users.c.username_key == query.username_key)
        if query.email_key is not None:
            conditions.append(users.c.email_key == query.email_key)
        if query.disabled is not None:
            conditions.append(users.c.disabled == query.disabled)
        rows = self._s.execute(select(users).where(*conditions)
                               .order_by(users.c.created_at, users.c.id).limit(limit))
        return [_to_user(r) for r in rows.mappings()]

    def delete(self, user_id: str) -> bool:
        result = cast(CursorResult[Any], self._s.execute(delete(users).where(users.c.id == user_id)))
        return bool(result.rowcount)

    def _one(self, condition: Any, *, for_update: bool = False) -> User | None:
        query = select(users).where(condition)
        row = self._s.execute(query.with_for_update() if for_update else query).mappings().first()
        return _to_user(row) if row is not None else None


def _taken(exc: IntegrityError) -> AlreadyExists:
    return AlreadyExists("username or email is already taken", detail=str(exc.orig))


class SqlUserUnitOfWork(RepositoryUnitOfWork[SqlUserRepository]):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, SqlUserRepository, _taken)
