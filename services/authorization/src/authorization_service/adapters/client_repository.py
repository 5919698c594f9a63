"""Clients in SQL. Lists are JSON columns (portable across PostgreSQL and SQLite)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, and_, bindparam, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from ..domain.admin.paging import ClientQuery
from ..domain.models import Client
from .tables import clients


def _to_client(row: Any) -> Client:
    return Client(
        client_id=row["client_id"], name=row["name"], redirect_uris=tuple(row["redirect_uris"]),
        scopes=tuple(row["scopes"]), grant_types=tuple(row["grant_types"]),
        client_type=row["client_type"], token_endpoint_auth_method=row["token_endpoint_auth_method"],
        first_party=bool(row["first_party"]), pkce_optional=bool(row["pkce_optional"]),
        audiences=tuple(row["audiences"]), created_at=row["created_at"],
        secret_hash=row["secret_hash"] or "",
        post_logout_redirect_uris=tuple(row["post_logout_redirect_uris"] or ()),
        backchannel_logout_uri=row["backchannel_logout_uri"] or "",
        backchannel_logout_session_required=bool(row["backchannel_logout_session_required"]),
        jwks=row["jwks"] or "", require_nonce=bool(row["require_nonce"]), admin=bool(row["admin"]),
        require_mfa=bool(row["require_mfa"]), version=row["version"],
        require_pushed_authorization_requests=bool(row["require_pushed_authorization_requests"]),
        dpop_bound_access_tokens=bool(row["dpop_bound_access_tokens"]),
        token_exchange_impersonation=bool(row["token_exchange_impersonation"]),
        token_exchange_delegation=bool(row["token_exchange_delegation"]),
        token_exchange_subject_audiences=tuple(row["token_exchange_subject_audiences"] or ()))


def _columns(client: Client) -> dict[str, Any]:
    """Every column but the key and the registration time."""
    return dict(
        name=client.name, redirect_uris=list(client.redirect_uris),
        scopes=list(client.scopes), grant_types=list(client.grant_types),
        client_type=client.client_type, token_endpoint_auth_method=client.token_endpoint_auth_method,
        first_party=client.first_party, pkce_optional=client.pkce_optional,
        audiences=list(client.audiences), secret_hash=client.secret_hash or None,
        post_logout_redirect_uris=list(client.post_logout_redirect_uris),
        backchannel_logout_uri=client.backchannel_logout_uri,
        backchannel_logout_session_required=client.backchannel_logout_session_required,
        jwks=client.jwks, require_nonce=client.require_nonce, admin=client.admin, version=client.version,
        require_mfa=client.require_mfa,
        require_pushed_authorization_requests=client.require_pushed_authorization_requests,
        dpop_bound_access_tokens=client.dpop_bound_access_tokens,
        token_exchange_impersonation=client.token_exchange_impersonation,
        token_exchange_delegation=client.token_exchange_delegation,
        token_exchange_subject_audiences=list(client.token_exchange_subject_audiences))


# Read on every /authorize and code redemption: built once (building a statement and its
# cache key cost more CPU than running it; bench/NOTES.md, item 19).
_GET = {False: select(clients).where(clients.c.client_id == bindparam("client_id"))}
_GET[True] = _GET[False].with_for_update()  # SQLite: a no-op, its writes are serialised anyway


class SqlClientRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, client_id: str, *, for_update: bool = False) -> Client | None:
        row = self._s.execute(_GET[for_update], {"client_id": client_id}).mappings().first()
        return _to_client(row) if row is not None else None

    def all(self) -> list[Client]:
        rows = self._s.execute(select(clients).order_by(clients.c.client_id)).mappings()
        return [_to_client(r) for r in rows]

    def page(self, query: ClientQuery, limit: int) -> Sequence[Client]:
        conditions = []
        if query.after is not None:
            at, last = query.after.created_at, query.after.id
            conditions.append(or_(clients.c.created_at > at,
                                  and_(clients.c.created_at == at, clients.c.client_id > last)))
        for column, value in (("client_type", query.client_type), ("first_party", query.first_party),
                              ("admin", query.admin)):
            if value is not None:
                conditions.append(clients.c[column] == value)
        rows = self._s.execute(select(clients).where(*conditions)
                               .order_by(clients.c.created_at, clients.c.client_id).limit(limit))
        return [_to_client(r) for r in rows.mappings()]

    def add(self, client: Client) -> None:
        self._s.execute(insert(clients).values(client_id=client.client_id, created_at=client.created_at,
                                               **_columns(client)))

    def save(self, client: Client) -> None:
        self._s.execute(update(clients).where(clients.c.client_id == client.client_id)
                        .values(**_columns(client)))

    def delete(self, client_id: str) -> bool:
        result = self._s.execute(delete(clients).where(clients.c.client_id == client_id))
        return bool(cast(CursorResult[Any], result).rowcount)
