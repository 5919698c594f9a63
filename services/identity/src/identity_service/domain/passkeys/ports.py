"""What the passkey core needs: credential storage (one transaction per unit of work) and
a short-lived key-value store for challenges (Redis: every replica sees them)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol

from authgate_common.core.audit import AuditTrail

from .model import Passkey


class PasskeyRepository(Protocol):
    """Never commits; `add` raises AlreadyExists when the credential id is registered."""

    audit: AuditTrail  # rows land in the same transaction

    def add(self, passkey: Passkey) -> None: ...
    def get(self, passkey_id: str) -> Passkey | None: ...
    def get_by_credential_id(self, credential_id: bytes) -> Passkey | None: ...
    def list_for_user(self, user_id: str) -> Sequence[Passkey]:
        """Oldest first."""
        ...
    def rename(self, passkey_id: str, name: str) -> None: ...
    def delete(self, passkey_id: str) -> bool: ...
    def delete_for_user(self, user_id: str) -> int: ...
    def record_use(self, passkey_id: str, seen_count: int, new_count: int, backed_up: bool,
                   at: datetime) -> bool:
        """Store the new counter unless another use changed it since `seen_count` was read
        (compare-and-set): False then, and the use is refused."""
        ...


class PasskeyUnitOfWork(Protocol):
    """`with uow() as passkeys:` — one transaction, committed when the block succeeds."""

    def __call__(self) -> AbstractContextManager[PasskeyRepository]: ...


class ChallengeStore(Protocol):
    """The part of authgate_common.core.kv.KeyValueStore the challenges use."""

    def set(self, key: str, value: str, ttl_seconds: int) -> None: ...
    def get(self, key: str) -> str | None: ...
    def delete(self, *keys: str) -> None: ...
    def incr(self, key: str, ttl_seconds: int) -> int: ...
