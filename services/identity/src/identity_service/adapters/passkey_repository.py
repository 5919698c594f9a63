"""Passkeys in SQL (`webauthn_credentials`, migration 0007). The unit of work owns the
transaction; a credential id registered twice (even by two racing requests) surfaces as
AlreadyExists."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from authgate_common.audit_store import SqlAuditTrail
from authgate_common.columns import timestamp
from authgate_common.core.audit import AuditTrail
from authgate_common.core.errors import AlreadyExists, OAuthError
from authgate_common.db import RepositoryUnitOfWork
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    CursorResult,
    Engine,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..domain.passkeys.model import Passkey
from .tables import metadata

webauthn_credentials = Table(
    "webauthn_credentials", metadata,
    Column("id", String(36), primary_key=True),
    Column("user_id", String(36), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("credential_id", LargeBinary, nullable=False),
    Column("public_key", LargeBinary, nullable=False),
    Column("sign_count", BigInteger, nullable=False, default=0),
    Column("transports", JSON().with_variant(JSONB(), "postgresql"), nullable=False, default=list),
    Column("backup_eligible", Boolean, nullable=False, default=False),
    Column("backed_up", Boolean, nullable=False, default=False),
    Column("name", String(64), nullable=False),
    timestamp("created_at"),
    timestamp("last_used_at", nullable=True),
    UniqueConstraint("credential_id", name="uq_webauthn_credentials_credential_id"),
    Index("ix_webauthn_credentials_user", "user_id", "created_at"),
)
_T = webauthn_credentials


def _passkey(row: Any) -> Passkey:
    return Passkey(id=row["id"], user_id=row["user_id"], credential_id=bytes(row["credential_id"]),
                   public_key=bytes(row["public_key"]), sign_count=int(row["sign_count"]),
                   transports=tuple(row["transports"] or ()), backup_eligible=row["backup_eligible"],
                   backed_up=row["backed_up"], name=row["name"], created_at=row["created_at"],
                   last_used_at=row["last_used_at"])


class SqlPasskeyRepository:
    def __init__(self, session: Session) -> None:
        self._s = session
        self.audit: AuditTrail = SqlAuditTrail(session)

    def add(self, passkey: Passkey) -> None:
        values = {**passkey.__dict__, "transports": list(passkey.transports)}
        self._s.execute(insert(_T).values(**values))
        self._s.flush()

    def get(self, passkey_id: str) -> Passkey | None:
        return self._one(_T.c.id == passkey_id)

    def get_by_credential_id(self, credential_id: bytes) -> Passkey | None:
        return self._one(_T.c.credential_id == credential_id)

    def list_for_user(self, user_id: str) -> Sequence[Passkey]:
        rows = self._s.execute(select(_T).where(_T.c.user_id == user_id).order_by(_T.c.created_at, _T.c.id))
        return [_passkey(r) for r in rows.mappings()]

    def rename(self, passkey_id: str, name: str) -> None:
        self._s.execute(update(_T).where(_T.c.id == passkey_id).values(name=name))

    def delete(self, passkey_id: str) -> bool:
        return self._count(delete(_T).where(_T.c.id == passkey_id)) > 0

    def delete_for_user(self, user_id: str) -> int:
        return self._count(delete(_T).where(_T.c.user_id == user_id))

    def record_use(self, passkey_id: str, seen_count: int, new_count: int, backed_up: bool,
                   at: datetime) -> bool:
        changed = self._count(update(_T).where(_T.c.id == passkey_id, _T.c.sign_count == seen_count)
                              .values(sign_count=new_count, backed_up=backed_up, last_used_at=at))
        return changed == 1

    def _count(self, statement: Any) -> int:
        return int(cast(CursorResult[Any], self._s.execute(statement)).rowcount)

    def _one(self, condition: Any) -> Passkey | None:
        row = self._s.execute(select(_T).where(condition)).mappings().first()
        return _passkey(row) if row is not None else None


def _taken(exc: IntegrityError) -> OAuthError:
    return AlreadyExists("This passkey is registered already.", detail=str(exc.orig))


class SqlPasskeyUnitOfWork(RepositoryUnitOfWork[SqlPasskeyRepository]):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, SqlPasskeyRepository, _taken)
