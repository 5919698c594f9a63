"""Initial access tokens and registration access tokens in SQL. A use of an initial token
is one conditional UPDATE, so two registrations racing for its last use cannot both win."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from ..domain.dcr.ports import InitialAccessToken
from .dcr_tables import client_registrations, initial_access_tokens


class SqlInitialTokenRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, token: InitialAccessToken) -> None:
        self._s.execute(insert(initial_access_tokens).values(
            token_hash=token.token_hash, created_at=token.created_at, expires_at=token.expires_at,
            uses_left=token.uses_left))

    def use(self, token_hash: str, now: datetime) -> bool:
        t = initial_access_tokens
        result = self._s.execute(update(t).where(
            t.c.token_hash == token_hash, t.c.uses_left > 0, t.c.expires_at > now,
        ).values(uses_left=t.c.uses_left - 1))
        return bool(result.rowcount)  # type: ignore[attr-defined]


class SqlRegistrationRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, client_id: str, token_hash: str, now: datetime) -> None:
        # A row left by a client deleted where foreign keys are not enforced must not block.
        self._s.execute(delete(client_registrations).where(client_registrations.c.client_id == client_id))
        self._s.execute(insert(client_registrations).values(client_id=client_id, token_hash=token_hash,
                                                            created_at=now))

    def token_hash(self, client_id: str) -> str | None:
        row = self._s.execute(select(client_registrations.c.token_hash)
                              .where(client_registrations.c.client_id == client_id)).first()
        return row[0] if row else None
