"""Dynamic registration's unit of work: the client registry's repositories and the
registration tables in one transaction (same engine as the service's SqlUnitOfWork)."""

from __future__ import annotations

from dataclasses import dataclass

from authgate_common.audit_store import SqlAuditTrail
from authgate_common.db import RepositoryUnitOfWork
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from .catalog_repository import SqlCatalogRepository
from .client_repository import SqlClientRepository
from .dcr_repository import SqlInitialTokenRepository, SqlRegistrationRepository
from .unit_of_work import _already_registered


@dataclass(frozen=True)
class SqlDcrRepositories:
    clients: SqlClientRepository
    catalog: SqlCatalogRepository
    audit: SqlAuditTrail
    initial_tokens: SqlInitialTokenRepository
    registrations: SqlRegistrationRepository

    @classmethod
    def bound_to(cls, session: Session) -> SqlDcrRepositories:
        return cls(SqlClientRepository(session), SqlCatalogRepository(session), SqlAuditTrail(session),
                   SqlInitialTokenRepository(session), SqlRegistrationRepository(session))


class SqlDcrUnitOfWork(RepositoryUnitOfWork[SqlDcrRepositories]):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, SqlDcrRepositories.bound_to, _already_registered)
