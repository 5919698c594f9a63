"""Users in SQL. The unit of work owns the transaction; a unique-index violation (a
username or email taken, even by a racing request) surfaces as AlreadyExists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from authgate_common.audit_store import SqlAuditTrail
from authgate_common.core.audit import AuditTrail
from authgate_common.core.errors import AlreadyExists, InvalidRequest, OAuthError
from authgate_common.db import RepositoryUnitOfWork
from sqlalchemy import CursorResult, Engine, and_, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..domain.access.ports import AccessRepository
from ..domain.admin.paging import UserQuery
from ..domain.users import User
from .access_repository import SqlAccessRepository
from .tables import user_groups, user_roles, users

_FIELDS = ("id", "username", "email", "email_verified", "name", "given_name", "family_name",
           "disabled", "password_hash", "created_at", "updated_at", "version", "attributes",
           "mfa_required")
_LINKS = ((user_roles, "role_name", "roles"), (user_groups, "group_name", "groups"))


class SqlUserRepository:
    def __init__(self, session: Session) -> None:
        self._s = session
        self.audit: AuditTrail = SqlAuditTrail(session)
        self.access: AccessRepository = SqlAccessRepository(session)

    def add(self, user: User) -> None:
        self._s.execute(insert(users).values(
            **{f: getattr(user, f) for f in _FIELDS},
            username_key=user.username_key, email_key=user.email_key))
        self._link(user)

    def save(self, user: User) -> None:
        mutable = {f: getattr(user, f) for f in _FIELDS if f not in ("id", "created_at")}
        self._s.execute(update(users).where(users.c.id == user.id).values(
            **mutable, username_key=user.username_key, email_key=user.email_key))
        for table, _column, _field in _LINKS:
            self._s.execute(delete(table).where(table.c.user_id == user.id))
        self._link(user)

    def _link(self, user: User) -> None:
        for table, column, field in _LINKS:
            names = getattr(user, field)
            if names:
                self._s.execute(insert(table), [{"user_id": user.id, column: n} for n in names])

    def _users(self, rows: Any) -> list[User]:
        """Rows to users, their roles and groups read in one query each."""
        found = [dict(r) for r in rows]
        links: dict[str, dict[str, list[str]]] = {r["id"]: {"roles": [], "groups": []} for r in found}
        if found:
            for table, column, field in _LINKS:
                query = (select(table.c.user_id, table.c[column]).where(table.c.user_id.in_(list(links)))
                         .order_by(table.c[column]))
                for user_id, name in self._s.execute(query):
                    links[user_id][field].append(name)
        return [User(**{f: r[f] for f in _FIELDS}, roles=tuple(links[r["id"]]["roles"]),
                     groups=tuple(links[r["id"]]["groups"])) for r in found]

    def get(self, user_id: str, *, for_update: bool = False) -> User | None:
        return self._one(users.c.id == user_id, for_update=for_update)

    def get_by_username_key(self, key: str) -> User | None:
        return self._one(users.c.username_key == key)

    def get_by_email_key(self, key: str) -> User | None:
        return self._one(users.c.email_key == key)

    def list(self, limit: int) -> list[User]:
        query = select(users).order_by(users.c.username_key, users.c.id).limit(limit)
        return self._users(self._s.execute(query).mappings())

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
        return self._users(rows.mappings())

    def delete(self, user_id: str) -> bool:
        result = cast(CursorResult[Any], self._s.execute(delete(users).where(users.c.id == user_id)))
        return bool(result.rowcount)

    def _one(self, condition: Any, *, for_update: bool = False) -> User | None:
        query = select(users).where(condition)
        row = self._s.execute(query.with_for_update() if for_update else query).mappings().first()
        return self._users([row])[0] if row is not None else None


def _taken(exc: IntegrityError) -> OAuthError:
    if getattr(exc.orig, "sqlstate", None) == "23503":  # a role or group deleted meanwhile
        return InvalidRequest("a role or group named no longer exists", detail=str(exc.orig))
    if "roles" in str(exc.orig) or "groups" in str(exc.orig):  # two puts of a new name raced
        return AlreadyExists("it was created meanwhile; retry", detail=str(exc.orig))
    return AlreadyExists("username or email is already taken", detail=str(exc.orig))


class SqlUserUnitOfWork(RepositoryUnitOfWork[SqlUserRepository]):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, SqlUserRepository, _taken)
