"""What a back-channel logout is, and how often it is retried."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


@dataclass(frozen=True)
class Notice:
    """One logout to deliver: this client is told that this session of this user ended."""

    id: int
    sid: str
    client_id: str
    user_id: str
    # Attempts made so far, including the one this claim is for.
    attempts: int


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: base, 2×base, 4×base … capped, for at most max_attempts tries."""

    base: timedelta = timedelta(seconds=1)
    cap: timedelta = timedelta(minutes=5)
    max_attempts: int = 10
    # How long a claimed logout stays invisible to other replicas: longer than one
    # attempt can take (signing plus the POST), so only one replica makes it.
    lease: timedelta = timedelta(seconds=60)

    def delay(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed try."""
        return min(self.base * (2 ** max(0, attempts - 1)), self.cap)
