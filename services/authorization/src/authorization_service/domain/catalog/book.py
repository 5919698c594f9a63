"""The catalogue's use cases: read it, put or delete a scope or an API (CatalogService).

Writers queue on the catalogue's lock, and each change counts one revision, so a reader
that saw revision N has seen every change up to N. A scope is refused deletion while a
client is registered with it (the client would hold a scope nobody can explain to its
users: change the client first), an API while a scope names it. Every change is audited
as `catalog.scope.put`, `catalog.scope.deleted`, `catalog.api.put`, `catalog.api.deleted`
with whoever acts (`admin.`-prefixed for an admin client).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from authgate_common.core.admin_api import BY_OPERATOR, Acting
from authgate_common.core.errors import InvalidRequest, NotFound
from authgate_common.core.scope_catalog import Api, Catalog, Scope, is_reserved

from ..ports import Clock, UnitOfWork
from .cache import CatalogCache
from .rules import InUse, check_api_name, check_scope_name, validate_api, validate_scope

T = TypeVar("T")


@dataclass(frozen=True)
class Put(Generic[T]):
    value: T
    # False when it already looked exactly like this (nothing was written).
    changed: bool


class CatalogBook:
    def __init__(self, uow: UnitOfWork, clock: Clock, issuer: str, cache: CatalogCache) -> None:
        self._uow = uow
        self._clock = clock
        self._issuer = issuer
        self._cache = cache

    def catalog(self) -> Catalog:
        return self._cache.current(fresh=True)

    def put_scope(self, scope: Scope, acting: Acting = BY_OPERATOR) -> Put[Scope]:
        scope = validate_scope(scope)
        with self._uow() as tx:
            tx.catalog.lock()
            if scope.api and tx.catalog.get_api(scope.api) is None:
                raise InvalidRequest(f"No API is named {scope.api!r}: put it first.")
            current = tx.catalog.get_scope(scope.name)
            if current == scope:
                return Put(current, False)
            tx.catalog.save_scope(scope, self._clock.now())
            revision = tx.catalog.bump()
            tx.audit.record(acting.event(
                "catalog.scope.put", scope.name, created=current is None, api=scope.api,
                claims=list(scope.claims), access_token_claims=list(scope.access_token_claims),
                revision=revision))
        self._cache.forget()
        return Put(scope, True)

    def delete_scope(self, name: str, acting: Acting = BY_OPERATOR) -> None:
        if is_reserved(name):
            raise InvalidRequest(f"{name!r} is a built-in scope: it cannot be removed.")
        check_scope_name(name)
        with self._uow() as tx:
            tx.catalog.lock()
            if tx.catalog.get_scope(name, for_update=True) is None:
                raise NotFound("No such scope.")
            if clients := tx.catalog.clients_with_scope(name):
                shown = ", ".join(clients[:5]) + (", ..." if len(clients) > 5 else "")
                raise InUse(f"Clients are registered with scope {name!r} ({shown}): "
                            "remove it from them first.")
            tx.catalog.delete_scope(name)
            revision = tx.catalog.bump()
            tx.audit.record(acting.event("catalog.scope.deleted", name, revision=revision))
        self._cache.forget()

    def put_api(self, api: Api, acting: Acting = BY_OPERATOR) -> Put[Api]:
        api = validate_api(api, self._issuer)
        with self._uow() as tx:
            tx.catalog.lock()
            other = tx.catalog.api_with_audience(api.audience)
            if other is not None and other.name != api.name:
                raise InvalidRequest(f"API {other.name!r} already has audience {api.audience!r}.")
            current = tx.catalog.get_api(api.name)
            if current == api:
                return Put(current, False)
            tx.catalog.save_api(api, self._clock.now())
            revision = tx.catalog.bump()
            tx.audit.record(acting.event("catalog.api.put", api.name, created=current is None,
                                         audience=api.audience, revision=revision))
        self._cache.forget()
        return Put(api, True)

    def delete_api(self, name: str, acting: Acting = BY_OPERATOR) -> None:
        check_api_name(name)
        with self._uow() as tx:
            tx.catalog.lock()
            if tx.catalog.get_api(name) is None:
                raise NotFound("No such API.")
            if scopes := tx.catalog.scopes_of_api(name):
                raise InUse(f"Scopes name API {name!r} ({', '.join(scopes[:5])}): "
                            "delete them or move them to another API first.")
            tx.catalog.delete_api(name)
            revision = tx.catalog.bump()
            tx.audit.record(acting.event("catalog.api.deleted", name, revision=revision))
        self._cache.forget()
