"""The live SSO session as the identity service sees it, and the session-service calls
the second factor needs: look a cookie up, and elevate a session after a step-up.

Elevation replaces the cookie value and keeps the sid (OWASP Session Management Cheat
Sheet, "Renew the Session ID After Any Privilege Level Change"); the session service
owns the record (SessionService.ElevateSession).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from ..ports import StartedSession


@dataclass(frozen=True)
class LiveSession:
    sid: str
    user_id: str
    amr: tuple[str, ...]
    # When the user last authenticated (OIDC Core §2 auth_time); None when not known.
    auth_time: datetime | None
    # The cookie value it was found by: a secret, never logged.
    token: str

    def authenticated_within(self, max_seconds: int, now: datetime | None = None) -> bool:
        """Whether the user signed in (or stepped up) at most `max_seconds` ago."""
        if self.auth_time is None:
            return False
        age = ((now or datetime.now(UTC)) - self.auth_time).total_seconds()
        return -30 <= age <= max_seconds  # 30 s of slack for a replica's clock running ahead


class SessionGate(Protocol):
    """The session service's calls this package needs."""

    def validate_session(self, token: str) -> LiveSession | None:
        """The live session of a cookie value; None when unknown, expired or revoked."""
        ...

    def elevate_session(self, token: str, amr: Sequence[str]) -> StartedSession:
        """Add methods to a live session; the answer carries its new cookie value."""
        ...
