"""The SQL unit of work: one transaction, the repositories bound to it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from authgate_common.audit_store import SqlAuditTrail
from authgate_common.core.errors import AlreadyExists
from authgate_common.db import UnitOfWork
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from .backchannel_repository import SqlBackchannelRepository
from .client_repository import SqlClientRepository
from .code_repository import SqlCodeRepository
from .consent_repository import SqlConsentRepository, SqlOutbox


@dataclass(frozen=True)
class SqlRepositories:
    clients: SqlClientRepository
    codes: SqlCodeRepository
    consents: SqlConsentRepository
    outbox: SqlOutbox
    backchannel: SqlBackchannelRepository
    audit: SqlAuditTrail  # rows land in the same transaction


class SqlUnitOfWork:
    def __init__(self, engine: Engine) -> None:
        self._uow = UnitOfWork(engine)

    @contextmanager
    def __call__(self) -> Iterator[SqlRepositories]:
        try:
            with self._uow() as session:
                yield SqlRepositories(SqlClientRepository(session), SqlCodeRepository(session),
                                      SqlConsentRepository(session), SqlOutbox(session),
                                      SqlBackchannelRepository(session), SqlAuditTrail(session))
        except IntegrityError as exc:
            # Two inserts of one key racing past the existence check (a client_id, or a
            # user's first approval of a client).
            raise AlreadyExists("The client_id is already registered.") from exc
