"""Account-link tokens in SQL, in one transaction with the users they belong to.

`account_tokens` (migration 0006_account_flows) keeps keyed hashes only. Using a token is
one conditional UPDATE … RETURNING: of two requests racing with one link, exactly one
gets the row back. Rows expired for a day are dropped whenever a new token is added.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from authgate_common.audit_store import SqlAuditTrail
from authgate_common.columns import timestamp
from authgate_common.core.audit import AuditTrail
from authgate_common.db import RepositoryUnitOfWork
from sqlalchemy import Column, Engine, Index, MetaData, String, Table, delete, insert, select, update
from sqlalchemy.orm import Session

from ..domain.account.ports import AccountToken, AccountTokenRepository
from ..domain.ports import UserRepository
from .user_repository import SqlUserRepository

KEEP_EXPIRED = timedelta(days=1)

# Its own MetaData: the foreign key to users (ON DELETE CASCADE) lives in the migration.
account_tokens = Table(
    "account_tokens", MetaData(),
    Column("token_hash", String(64), primary_key=True),
    Column("purpose", String(32), nullable=False),
    Column("user_id", String(36), nullable=False),
    Column("email_key", String(255), nullable=False),
    timestamp("created_at"),
    timestamp("expires_at"),
    timestamp("used_at", nullable=True),
    Index("ix_account_tokens_user_purpose", "user_id", "purpose"),
    Index("ix_account_tokens_expires_at", "expires_at"),
)
_FIELDS = ("token_hash", "purpose", "user_id", "email_key", "created_at", "expires_at", "used_at")


def _token(row: Any) -> AccountToken | None:
    return AccountToken(**{f: row[f] for f in _FIELDS}) if row is not None else None


class SqlAccountTokens:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, token: AccountToken) -> None:
        expired = account_tokens.c.expires_at < token.created_at - KEEP_EXPIRED
        self._s.execute(delete(account_tokens).where(expired))
        self._s.execute(insert(account_tokens).values(**{f: getattr(token, f) for f in _FIELDS}))

    def find(self, token_hash: str, purpose: str) -> AccountToken | None:
        c = account_tokens.c
        row = self._s.execute(select(account_tokens).where(
            c.token_hash == token_hash, c.purpose == purpose)).mappings().first()
        return _token(row)

    def consume(self, token_hash: str, purpose: str, now: datetime) -> AccountToken | None:
        c = account_tokens.c
        row = self._s.execute(
            update(account_tokens)
            .where(c.token_hash == token_hash, c.purpose == purpose, c.used_at.is_(None), c.expires_at > now)
            .values(used_at=now).returning(*account_tokens.c)).mappings().first()
        return _token(row)

    def retire(self, user_id: str, purpose: str, now: datetime) -> None:
        self._s.execute(delete(account_tokens).where(account_tokens.c.user_id == user_id,
                                                     account_tokens.c.purpose == purpose))


class SqlAccountStore:
    def __init__(self, session: Session) -> None:
        self.users: UserRepository = SqlUserRepository(session)
        self.tokens: AccountTokenRepository = SqlAccountTokens(session)
        self.audit: AuditTrail = SqlAuditTrail(session)


class SqlAccountUnitOfWork(RepositoryUnitOfWork[SqlAccountStore]):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, SqlAccountStore)
