"""The catalogue in SQL (PostgreSQL, or SQLite embedded: there the locks are the database's
single writer)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from authgate_common.core.scope_catalog import Api, Scope
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from .catalog_tables import apis, catalog_revision, scopes
from .tables import clients


def _scope(row: Any) -> Scope:
    return Scope(name=row["name"], description=row["description"], api=row["api"] or "",
                 claims=tuple(row["claims"] or ()),
                 access_token_claims=tuple(row["access_token_claims"] or ()))


def _api(row: Any) -> Api:
    return Api(name=row["name"], audience=row["audience"], description=row["description"])


class SqlCatalogRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def revision(self) -> int:
        return int(self._s.execute(select(catalog_revision.c.revision)).scalar_one())

    def lock(self) -> int:
        return int(self._s.execute(select(catalog_revision.c.revision).with_for_update()).scalar_one())

    def bump(self) -> int:
        return int(self._s.execute(
            update(catalog_revision).values(revision=catalog_revision.c.revision + 1)
            .returning(catalog_revision.c.revision)).scalar_one())

    def scopes(self) -> list[Scope]:
        return [_scope(r) for r in self._s.execute(select(scopes).order_by(scopes.c.name)).mappings()]

    def apis(self) -> list[Api]:
        return [_api(r) for r in self._s.execute(select(apis).order_by(apis.c.name)).mappings()]

    def get_scope(self, name: str, *, for_update: bool = False) -> Scope | None:
        query = select(scopes).where(scopes.c.name == name)
        row = self._s.execute(query.with_for_update() if for_update else query).mappings().first()
        return _scope(row) if row is not None else None

    def get_api(self, name: str) -> Api | None:
        row = self._s.execute(select(apis).where(apis.c.name == name)).mappings().first()
        return _api(row) if row is not None else None

    def api_with_audience(self, audience: str) -> Api | None:
        row = self._s.execute(select(apis).where(apis.c.audience == audience)).mappings().first()
        return _api(row) if row is not None else None

    def save_scope(self, scope: Scope, now: datetime) -> None:
        values = dict(description=scope.description, api=scope.api or None, claims=list(scope.claims),
                      access_token_claims=list(scope.access_token_claims), updated_at=now)
        done = self._s.execute(update(scopes).where(scopes.c.name == scope.name).values(**values))
        if not done.rowcount:  # type: ignore[attr-defined]
            self._s.execute(insert(scopes).values(name=scope.name, created_at=now, **values))

    def save_api(self, api: Api, now: datetime) -> None:
        values = dict(audience=api.audience, description=api.description, updated_at=now)
        done = self._s.execute(update(apis).where(apis.c.name == api.name).values(**values))
        if not done.rowcount:  # type: ignore[attr-defined]
            self._s.execute(insert(apis).values(name=api.name, created_at=now, **values))

    def delete_scope(self, name: str) -> None:
        self._s.execute(delete(scopes).where(scopes.c.name == name))

    def delete_api(self, name: str) -> None:
        self._s.execute(delete(apis).where(apis.c.name == name))

    def scopes_of_api(self, name: str) -> list[str]:
        query = select(scopes.c.name).where(scopes.c.api == name).order_by(scopes.c.name)
        return list(self._s.execute(query).scalars())

    def existing_scopes(self, names: Collection[str]) -> set[str]:
        query = select(scopes.c.name).where(scopes.c.name.in_(list(names))).with_for_update(read=True)
        return set(self._s.execute(query).scalars())

    def clients_with_scope(self, name: str) -> list[str]:
        # JSON lists (portable): the clients are few enough to look through here.
        rows = self._s.execute(select(clients.c.client_id, clients.c.scopes))
        return sorted(cid for cid, held in rows if name in (held or ()))
