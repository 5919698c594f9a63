"""What dynamic registration stores (RFC 7591 §3, RFC 7592 §3): initial access tokens and
each registered client's registration access token, both by keyed hash only, next to the
client registry, in one transaction with it."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from authgate_common.core.audit import AuditTrail

from ..catalog.ports import CatalogRepository
from ..ports import ClientRepository


@dataclass(frozen=True)
class InitialAccessToken:
    token_hash: str
    created_at: datetime
    expires_at: datetime
    uses_left: int


class InitialTokenRepository(Protocol):
    def add(self, token: InitialAccessToken) -> None: ...

    def use(self, token_hash: str, now: datetime) -> bool:
        """Take one use of an unexpired token with uses left, atomically; False when none."""
        ...


class RegistrationRepository(Protocol):
    def add(self, client_id: str, token_hash: str, now: datetime) -> None: ...

    def token_hash(self, client_id: str) -> str | None:
        """The keyed hash of the client's registration access token; None: not registered here."""
        ...


class DcrRepositories(Protocol):
    @property
    def clients(self) -> ClientRepository: ...
    @property
    def catalog(self) -> CatalogRepository: ...
    @property
    def audit(self) -> AuditTrail: ...
    @property
    def initial_tokens(self) -> InitialTokenRepository: ...
    @property
    def registrations(self) -> RegistrationRepository: ...


class DcrUnitOfWork(Protocol):
    """One transaction over the registry and the registration tables."""

    def __call__(self) -> AbstractContextManager[DcrRepositories]: ...
