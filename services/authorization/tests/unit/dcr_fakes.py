"""In-memory registration tables for dynamic registration (domain/dcr), sharing the core
fakes' clients, catalogue and audit trail, rolled back with them."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from authorization_fakes import FakeUnitOfWork, make_settings
from authorization_service.bootstrap import build
from authorization_service.domain.dcr.ports import InitialAccessToken


class FakeInitialTokens:
    def __init__(self) -> None:
        self.rows: dict[str, InitialAccessToken] = {}

    def add(self, token: InitialAccessToken) -> None:
        self.rows[token.token_hash] = token

    def use(self, token_hash: str, now: datetime) -> bool:
        row = self.rows.get(token_hash)
        if row is None or row.uses_left <= 0 or row.expires_at <= now:
            return False
        self.rows[token_hash] = replace(row, uses_left=row.uses_left - 1)
        return True


class FakeRegistrations:
    def __init__(self, clients: Any) -> None:
        self.rows: dict[str, str] = {}
        self._clients = clients

    def add(self, client_id: str, token_hash: str, now: datetime) -> None:
        self.rows[client_id] = token_hash

    def token_hash(self, client_id: str) -> str | None:
        # The foreign key's ON DELETE CASCADE: gone with the client.
        return self.rows.get(client_id) if client_id in self._clients.rows else None


@dataclass
class FakeDcrRepositories:
    core: Any
    initial_tokens: FakeInitialTokens = field(default_factory=FakeInitialTokens)
    registrations: FakeRegistrations = field(init=False)

    def __post_init__(self) -> None:
        self.registrations = FakeRegistrations(self.core.clients)

    @property
    def clients(self) -> Any:
        return self.core.clients

    @property
    def catalog(self) -> Any:
        return self.core.catalog

    @property
    def audit(self) -> Any:
        return self.core.audit


class FakeDcrUnitOfWork:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow
        self.repos = FakeDcrRepositories(uow.repos)

    @contextmanager
    def __call__(self) -> Iterator[FakeDcrRepositories]:
        snapshot = copy.deepcopy((self.repos.initial_tokens.rows, self.repos.registrations.rows))
        with self._uow():
            try:
                yield self.repos
            except BaseException:
                self.repos.initial_tokens.rows, self.repos.registrations.rows = snapshot
                raise


def dcr_core(core: Any, **settings: Any) -> tuple[Any, FakeDcrUnitOfWork]:
    """The service rebuilt on the core's fakes with registration wired (settings overridden)."""
    dcr_uow = FakeDcrUnitOfWork(core.uow)
    changed = make_settings().model_copy(update=settings)
    service = build(changed, uow=core.uow, sessions=core.sessions, clock=core.clock, changes=core.changes,
                    dcr_uow=dcr_uow)
    return service, dcr_uow
