"""Looking users up, listing them and disabling them (the operator's side of identity)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from authgate_common.core.errors import NotFound, OAuthError, TemporarilyUnavailable

from .acting import BY_OPERATOR, Acting
from .ports import Sessions, UserUnitOfWork
from .text import is_identifier, username_key
from .users import User

log = logging.getLogger(__name__)
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def canonical_id(user_id: str) -> str | None:
    """The lowercase UUID form ids are stored in, or None for anything else."""
    try:
        return str(uuid.UUID(user_id)) if len(user_id) <= 36 else None
    except ValueError:
        return None


class Directory:
    def __init__(self, uow: UserUnitOfWork, sessions: Sessions,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._uow = uow
        self._sessions = sessions
        self._now = now

    def get(self, user_id: str) -> User:
        key = canonical_id(user_id)
        with self._uow() as users:
            user = users.get(key) if key else None
        if user is None:
            raise NotFound("user not found")
        return user

    def get_by_username(self, username: str) -> User:
        with self._uow() as users:
            user = users.get_by_username_key(username_key(username)) if is_identifier(username) else None
        if user is None:
            raise NotFound("user not found")
        return user

    def list(self, limit: int) -> list[User]:
        limit = DEFAULT_LIMIT if limit <= 0 else min(limit, MAX_LIMIT)
        with self._uow() as users:
            return users.list(limit)

    def disable(self, user_id: str, by: Acting = BY_OPERATOR,
                check: Callable[[User], None] = lambda user: None) -> User:
        """Disable the user, then end every session they have: a disabled person is out now.
        `check` sees the current row first (the admin API's If-Match)."""
        key = canonical_id(user_id)
        with self._uow() as users:
            user = users.get(key, for_update=True) if key else None
            if user is None:
                raise NotFound("user not found")
            check(user)
            if not user.disabled:
                user = replace(user, disabled=True, updated_at=self._now(), version=user.version + 1)
                users.save(user)
                users.audit.record(by.event("user.disabled", user.id))
        self.end_sessions(user)
        return user

    def end_sessions(self, user: User) -> None:
        try:
            self._sessions.revoke_user_sessions(user.id)
        except OAuthError as err:
            log.warning("user %s disabled but sessions not revoked: %s", user.id, err)
            # Disabling is idempotent, so asking the operator to retry is safe.
            raise TemporarilyUnavailable(
                "user disabled, but their sessions could not be ended; retry") from err
