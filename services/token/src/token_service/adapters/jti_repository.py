"""The jti record in SQL (PostgreSQL, or the embedded SQLite): issued_jtis, revoked_jtis and
revoked_clients.

It shares the refresh repository's session (`SqlRefreshRepository.jtis`), so a family's
access tokens are recorded as revoked in the same transaction as the family.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..domain.revocation.jti_record import ClientRevocation, IssuedJti, JtiEntry
from .tables import issued_jtis as issued
from .tables import revoked_clients
from .tables import revoked_jtis as revoked

INSERT_BATCH = 1000
_ADD_ISSUED = issued.insert()  # built once: every code and refresh grant records its jti


class SqlJtiRecord:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add_issued(self, entry: IssuedJti) -> None:
        self._s.execute(_ADD_ISSUED, {"jti": entry.jti, "grant_id": entry.grant_id,
                                      "family_id": entry.family_id or None, "expires_at": entry.expires_at})

    def of_grant(self, grant_id: str, now: datetime) -> list[JtiEntry]:
        return self._entries(select(issued.c.jti, issued.c.expires_at)
                             .where(issued.c.grant_id == grant_id, issued.c.expires_at > now))

    def of_family(self, family_id: str, now: datetime) -> list[JtiEntry]:
        return self._entries(select(issued.c.jti, issued.c.expires_at)
                             .where(issued.c.family_id == family_id, issued.c.expires_at > now))

    def revoke(self, entries: Sequence[JtiEntry], now: datetime) -> None:
        insert = self._insert()
        for start in range(0, len(entries), INSERT_BATCH):
            rows = [{"jti": e.jti, "expires_at": e.expires_at, "revoked_at": now}
                    for e in entries[start:start + INSERT_BATCH]]
            self._s.execute(insert(revoked).values(rows).on_conflict_do_nothing(index_elements=["jti"]))

    def revoked(self, now: datetime, *, since: datetime | None = None, after: str = "",
                limit: int = 1000) -> list[JtiEntry]:
        stmt = select(revoked.c.jti, revoked.c.expires_at).where(revoked.c.expires_at > now,
                                                                  revoked.c.jti > after)
        if since is not None:
            stmt = stmt.where(revoked.c.revoked_at >= since)
        return self._entries(stmt.order_by(revoked.c.jti).limit(limit))

    def revoke_client(self, revocation: ClientRevocation) -> None:
        row = {"client_id": revocation.client_id, "revoked_at": revocation.revoked_at,
               "expires_at": revocation.expires_at}
        stmt = self._insert()(revoked_clients).values(row)
        self._s.execute(stmt.on_conflict_do_update(
            index_elements=["client_id"], set_={"revoked_at": stmt.excluded.revoked_at,
                                                "expires_at": stmt.excluded.expires_at},
            where=revoked_clients.c.revoked_at < stmt.excluded.revoked_at))

    def revoked_clients(self, now: datetime, *, since: datetime | None = None) -> list[ClientRevocation]:
        c = revoked_clients.c
        stmt = select(c.client_id, c.revoked_at, c.expires_at).where(c.expires_at > now)
        if since is not None:
            stmt = stmt.where(c.revoked_at >= since)
        return [ClientRevocation(*row) for row in self._s.execute(stmt)]

    def purge(self, before: datetime, limit: int) -> int:
        self._s.execute(delete(revoked_clients).where(revoked_clients.c.expires_at < before))
        deleted = 0
        for table in (issued, revoked):
            deleted += self._purge(table, before, limit - deleted)
        return deleted

    def _purge(self, table: Table, before: datetime, limit: int) -> int:
        if limit <= 0:
            return 0
        jtis = list(self._s.execute(select(table.c.jti).where(table.c.expires_at < before)
                                    .limit(limit)).scalars())
        if jtis:
            self._s.execute(delete(table).where(table.c.jti.in_(jtis)))
        return len(jtis)

    def _insert(self) -> Any:
        return postgresql.insert if self._s.get_bind().dialect.name == "postgresql" else sqlite.insert

    def _entries(self, stmt: Any) -> list[JtiEntry]:
        return [JtiEntry(jti, at) for jti, at in self._s.execute(stmt)]
