"""The ports the core needs: user storage (one transaction per unit of work) and sessions."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from authgate_common.core.audit import AuditTrail

from .access.ports import AccessRepository
from .admin.paging import UserQuery
from .users import User


class UserRepository(Protocol):
    """Never commits; raises AlreadyExists when a unique username or email is taken."""

    audit: AuditTrail  # rows land in the same transaction
    access: AccessRepository  # role and group definitions, same transaction

    def add(self, user: User) -> None: ...
    def save(self, user: User) -> None: ...
    def get(self, user_id: str, *, for_update: bool = False) -> User | None: ...
    def get_by_username_key(self, key: str) -> User | None: ...
    def get_by_email_key(self, key: str) -> User | None: ...
    def page(self, query: UserQuery, limit: int) -> Sequence[User]:
        """Oldest first by (created_at, id), strictly after `query.after`, filtered."""
        ...
    def delete(self, user_id: str) -> bool: ...
    def list(self, limit: int) -> list[User]: ...


class UserUnitOfWork(Protocol):
    """`with uow() as users:` — one transaction, committed when the block succeeds."""

    def __call__(self) -> AbstractContextManager[UserRepository]: ...


@dataclass(frozen=True)
class StartedSession:
    sid: str
    user_id: str
    # The cookie value: a secret for the browser only, never logged.
    token: str
    expires_at: datetime


class Sessions(Protocol):
    """The session service, which owns SSO sessions."""

    def create_session(self, user_id: str, client_ip: str, user_agent: str,
                       amr: Sequence[str]) -> StartedSession: ...

    def revoke_user_sessions(self, user_id: str) -> None: ...
