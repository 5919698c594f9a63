"""Users in SQL. The unit of work owns the transaction; a unique-index violation (a
username or email taken, even by a racing request) surfaces as AlreadyExists."""

from __future__ import annotations

from typing import Any

from authgate_common.audit_store import SqlAuditTrail
from authgate_common.core.audit import AuditTrail
from authgate_common.core.errors import AlreadyExists
from authgate_common.db import RepositoryUnitOfWork
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..domain.users import User
from .tables import users

_FIELDS = ("id", "username", "email", "email_verified", "name", "given_name", "family_name",
           "disabled", "password_hash", "created_at", "updated_at")


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

    def get(self, user_id: str) -> User | None:
        return self._one(users.c.id == user_id)

    def get_by_username_key(self, key: str) -> User | None:
        return self._one(users.c.username_key == key)

    def get_by_email_key(self, key: str) -> User | None:
        return self._one(users.c.email_key == key)

    def list(self, limit: int) -> list[User]:
        query = select(users).order_by(users.c.username_key, users.c.id).limit(limit)
        return [_to_user(r) for r in self._s.execute(query).mappings()]

    def _one(self, condition: Any) -> User | None:
        row = self._s.execute(select(users).where(condition)).mappings().first()
        return _to_user(row) if row is not None else None


def _taken(exc: IntegrityError) -> AlreadyExists:
    return AlreadyExists("username or email is already taken", detail=str(exc.orig))


class SqlUserUnitOfWork(RepositoryUnitOfWork[SqlUserRepository]):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, SqlUserRepository, _taken)
