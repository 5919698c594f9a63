"""The SQL unit of work: one transaction, the repositories bound to it."""

from __future__ import annotations

from dataclasses import dataclass

from authgate_common.audit_store import SqlAuditTrail
from authgate_common.core.errors import AlreadyExists
from authgate_common.db import RepositoryUnitOfWork
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .backchannel_repository import SqlBackchannelRepository
from .catalog_repository import SqlCatalogRepository
from .client_repository import SqlClientRepository
from .code_repository import SqlCodeRepository
from .consent_repository import SqlConsentRepository, SqlOutbox
from .device_repository import SqlDeviceRepository


@dataclass(frozen=True)
class SqlRepositories:
    clients: SqlClientRepository
    codes: SqlCodeRepository
    consents: SqlConsentRepository
    outbox: SqlOutbox
    backchannel: SqlBackchannelRepository
    audit: SqlAuditTrail  # rows land in the same transaction
    catalog: SqlCatalogRepository
    devices: SqlDeviceRepository

    @classmethod
    def bound_to(cls, session: Session) -> SqlRepositories:
        return cls(SqlClientRepository(session), SqlCodeRepository(session), SqlConsentRepository(session),
                   SqlOutbox(session), SqlBackchannelRepository(session), SqlAuditTrail(session),
                   SqlCatalogRepository(session), SqlDeviceRepository(session))


def _already_registered(exc: IntegrityError) -> AlreadyExists:
    # Two inserts of one key racing past the existence check (a client_id, or a user's
    # first approval of a client).
    return AlreadyExists("The client_id is already registered.")


class SqlUnitOfWork(RepositoryUnitOfWork[SqlRepositories]):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, SqlRepositories.bound_to, _already_registered)
