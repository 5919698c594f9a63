"""Ports the core depends on; adapters implement them (SQL, gRPC), tests fake them."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol

from .models import Client, SessionInfo, StoredCode


class ClientRepository(Protocol):
    def get(self, client_id: str) -> Client | None: ...
    def all(self) -> list[Client]: ...
    def add(self, client: Client) -> None: ...
    def delete(self, client_id: str) -> bool: ...


class CodeRepository(Protocol):
    def add(self, code: StoredCode) -> None: ...

    def consume(self, code_hash: str, now: datetime) -> StoredCode | None:
        """Mark the code consumed if it is not yet, atomically; None when it was not."""
        ...

    def exists(self, code_hash: str) -> bool: ...


class Repositories(Protocol):
    clients: ClientRepository
    codes: CodeRepository


class UnitOfWork(Protocol):
    """One transaction: commits when the block ends normally, rolls back on an exception.
    Repositories never commit; the use case decides where the transaction ends."""

    def __call__(self) -> AbstractContextManager[Repositories]: ...


class SessionLookup(Protocol):
    def validate(self, session_token: str) -> SessionInfo | None:
        """The live session behind a cookie value, or None. Raises TemporarilyUnavailable
        when the session service cannot answer, so the endpoint fails closed."""
        ...


class Clock(Protocol):
    def now(self) -> datetime: ...
