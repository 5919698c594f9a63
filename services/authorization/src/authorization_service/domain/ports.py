"""Ports the core depends on; adapters implement them (SQL, gRPC), tests fake them."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

from authgate_common.core.audit import AuditTrail

from .admin.paging import ClientQuery
from .backchannel.ports import BackchannelRepository
from .catalog.ports import CatalogRepository
from .device.ports import DeviceRepository
from .models import Client, Consent, OutboxMessage, SessionInfo, StoredCode


class ClientRepository(Protocol):
    def get(self, client_id: str, *, for_update: bool = False) -> Client | None:
        """With for_update, the row stays locked until the transaction ends (so two changes
        to one client apply one after the other, neither lost)."""
        ...

    def all(self) -> list[Client]: ...

    def page(self, query: ClientQuery, limit: int) -> Sequence[Client]:
        """Up to `limit` clients matching `query`, by (created_at, client_id), after its position."""
        ...

    def add(self, client: Client) -> None: ...

    def save(self, client: Client) -> None:
        """Replace the stored client of this client_id (secret hash included)."""
        ...

    def delete(self, client_id: str) -> bool: ...


class ClientChanges(Protocol):
    def announce(self, client_id: str) -> None:
        """Tell every replica that remembers clients that this one changed, once the change has
        committed, so none goes on accepting what it remembered of it. Never raises: the
        change stands whatever happens here (the replicas' cache TTL is the backstop)."""
        ...


class CodeRepository(Protocol):
    def add(self, code: StoredCode) -> None: ...

    def consume(self, code_hash: str, now: datetime) -> StoredCode | None:
        """Mark the code consumed if it is not yet, atomically; None when it was not."""
        ...

    def exists(self, code_hash: str) -> bool: ...


class ConsentRepository(Protocol):
    def get(self, user_id: str, client_id: str) -> Consent | None:
        """The row for this user and client, withdrawn or not."""
        ...

    def active_for_user(self, user_id: str) -> list[Consent]: ...

    def save(self, consent: Consent) -> None:
        """Insert or replace the row for (user_id, client_id)."""
        ...

    def delete_for_client(self, client_id: str) -> int: ...


class Outbox(Protocol):
    """Messages for other services, written in the same transaction as the change that
    caused them and delivered afterwards (transactional outbox)."""

    def add(self, topic: str, payload: dict[str, Any], now: datetime) -> None: ...

    def claim_due(self, topics: Sequence[str], now: datetime, limit: int,
                  lease_until: datetime) -> list[OutboxMessage]:
        """Undelivered messages of `topics` due by `now`, oldest first, each counted as one
        more attempt and hidden from other relays until `lease_until` (rows locked with
        SKIP LOCKED meanwhile, so concurrent relays take different rows)."""
        ...

    def delivered(self, message_id: int, now: datetime) -> None: ...

    def retry_at(self, message_id: int, when: datetime, error: str) -> None: ...


class Repositories(Protocol):
    # Read-only members, so that a frozen dataclass of repositories satisfies the protocol.
    @property
    def clients(self) -> ClientRepository: ...
    @property
    def codes(self) -> CodeRepository: ...
    @property
    def consents(self) -> ConsentRepository: ...
    @property
    def outbox(self) -> Outbox: ...
    @property
    def backchannel(self) -> BackchannelRepository: ...
    @property
    def audit(self) -> AuditTrail: ...
    @property
    def catalog(self) -> CatalogRepository: ...
    @property
    def devices(self) -> DeviceRepository: ...


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
