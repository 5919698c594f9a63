"""The admin API's client use cases: list, register, read, change, rotate the secret,
delete — the operator's own use cases (client_registry, client_updates), so a client
passes exactly the same rules whichever way it comes, each change is announced to every
token replica at once and audited, here as `admin.client.<action>` with the acting client.

Two things stay with the operator. The admin mark: only an operator makes a client an
admin client, so a registration or change through this API cannot set it. Admin clients
themselves: this API reads them but never changes, rotates or deletes one (403), so an
admin client cannot widen, keep alive or remove its peers, nor itself.

Every change checks the caller's If-Match against the row it locks, in the transaction
that changes it; the client's `version` is its strong ETag.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from authgate_common.core.admin_api import (
    TOKEN_ID,
    Acting,
    IfMatch,
    check,
    check_limit,
    decode_cursor,
    encode_cursor,
)
from authgate_common.core.errors import AccessDenied, InvalidRequest

from ..client_registry import ClientRegistry, Guard, Registered
from ..client_updates import UPDATABLE, ClientUpdates, Updated
from ..models import Client
from ..ports import UnitOfWork
from .paging import ClientPage, ClientQuery, position_of

ADMIN_FIELD = "admin"
CHANGEABLE = tuple(f for f in UPDATABLE if f != ADMIN_FIELD)
OPERATOR_ONLY = "Only an operator marks a client as an admin client."


def _operator_managed(client: Client) -> None:
    if client.admin:
        raise AccessDenied("An admin client is managed by the operator only.")


def _guard(if_match: IfMatch | None) -> Guard:
    def guard(client: Client) -> None:
        _operator_managed(client)
        check(if_match, client)

    return guard


class ClientAdmin:
    def __init__(self, uow: UnitOfWork, registry: ClientRegistry, updates: ClientUpdates) -> None:
        self._uow, self._registry, self._updates = uow, registry, updates

    def list(self, *, limit: int, cursor: str | None = None, client_type: str | None = None,
             first_party: bool | None = None, admin: bool | None = None) -> ClientPage:
        check_limit(limit)
        after = decode_cursor(cursor, TOKEN_ID) if cursor else None
        query = ClientQuery(after=after, client_type=client_type, first_party=first_party, admin=admin)
        with self._uow() as tx:
            rows = list(tx.clients.page(query, limit + 1))
        more = len(rows) > limit
        rows = rows[:limit]
        return ClientPage(rows, encode_cursor(position_of(rows[-1])) if more else None)

    def create(self, client: Client, by: Acting) -> Registered:
        """Registered with a generated secret (confidential, not private_key_jwt), shown once."""
        if client.admin:
            raise InvalidRequest(OPERATOR_ONLY)
        return self._registry.create(client, "", by)

    def get(self, client_id: str) -> Client:
        return self._registry.get(client_id)

    def update(self, client_id: str, values: Mapping[str, Any], if_match: IfMatch, by: Acting) -> Updated:
        if ADMIN_FIELD in values:
            raise InvalidRequest(OPERATOR_ONLY)
        if refused := sorted(set(values) - set(CHANGEABLE)):
            raise InvalidRequest(f"Cannot change {', '.join(refused)}; changeable: {', '.join(CHANGEABLE)}.")
        return self._updates.update(client_id, values, by, _guard(if_match))

    def rotate_secret(self, client_id: str, if_match: IfMatch | None, by: Acting) -> Registered:
        return self._updates.rotate_secret(client_id, "", by, _guard(if_match))

    def delete(self, client_id: str, if_match: IfMatch | None, by: Acting) -> None:
        self._registry.delete(client_id, by, _guard(if_match))

