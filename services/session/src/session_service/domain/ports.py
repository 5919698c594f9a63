"""What the session core needs from storage, as ports the adapters implement.

The record (PostgreSQL) and the presence cache (Redis) are separate ports because
they fail and are trusted differently: the record decides, presence only speeds up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from authgate_common.core.audit import AuditTrail

from .model import Revocation, Session

Clock = Callable[[], datetime]


class SessionRepository(Protocol):
    """Session rows. Never commits: the use case's unit of work does."""

    audit: AuditTrail  # rows land in the same transaction

    def add(self, session: Session) -> None: ...
    def get_by_token_hash(self, token_hash: str) -> Session | None: ...
    def get_by_sid(self, sid: str) -> Session | None: ...
    def list_active(self, user_id: str, now: datetime) -> list[Session]:
        """Sessions of the user neither revoked nor past their absolute expiry."""
        ...
    def touch(self, sid: str, last_seen_at: datetime) -> None: ...
    def elevate(self, session: Session, old_token_hash: str) -> bool:
        """Store the session's new token_hash, amr, auth_time and last_seen_at if its row
        still holds `old_token_hash` and is not revoked; False when it does not."""
        ...
    def mark_revoked(self, sids: Sequence[str], when: datetime, reason: str) -> None: ...
    def revoked_since(self, since: datetime, limit: int | None = None,
                      after: tuple[datetime, str] | None = None) -> list[Session]:
        """Sessions whose revoked_at is later than `since`, in (revoked_at, sid) order;
        with `after`, only those past that key (a page), at most `limit` of them."""
        ...


class UnitOfWork(Protocol):
    def __call__(self) -> AbstractContextManager[SessionRepository]: ...


@dataclass(frozen=True)
class Seen:
    """Last use of a session, and the value last written back to the record."""

    at: datetime
    persisted: datetime


class PresenceUnavailable(Exception):
    """The presence cache cannot be reached; the record must decide."""


class Presence(Protocol):
    """Fast-path liveness keyed by token hash and by sid, plus revocation markers.

    Every method may raise PresenceUnavailable.
    """

    def put(self, session: Session, seen: Seen, ttl_seconds: int) -> None: ...
    def by_token(self, token_hash: str) -> tuple[Session, Seen] | None: ...
    def by_sid(self, sid: str) -> tuple[Session, Seen] | None: ...
    def seen(self, sid: str) -> Seen | None: ...
    def is_revoked(self, sid: str) -> bool: ...
    def revoke(self, sid: str, token_hash: str, ttl_seconds: int) -> None: ...
    def forget_token(self, token_hash: str) -> None:
        """Drop the fast-path key of one cookie value (it was replaced)."""
        ...


class RevocationPublisher(Protocol):
    """Tells every replica's revocation feed about sessions just revoked.

    Called only after the record is committed. Best effort: a lost message is found
    again by the feed's periodic read of the record.
    """

    def publish(self, revocations: Sequence[Revocation]) -> None: ...
