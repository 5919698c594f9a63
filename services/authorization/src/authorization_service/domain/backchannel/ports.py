"""Ports of the back-channel logout core; adapters implement them (SQL, gRPC, HTTP)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from .models import Notice


class BackchannelRepository(Protocol):
    """Participants and pending logouts. Never commits: the use case's unit of work does."""

    def add_participant(self, sid: str, client_id: str, user_id: str, now: datetime) -> None:
        """Remember that the client took part in the session (kept if already known)."""
        ...

    def enqueue(self, sids: Sequence[str], now: datetime) -> int:
        """A pending logout, due now, for each participant of these sessions whose client
        registered a backchannel_logout_uri. A (sid, client_id) already queued, delivered
        or given up on is left alone, so every replica may enqueue the same session.
        Returns how many were added."""
        ...

    def claim_due(self, now: datetime, limit: int, lease_until: datetime) -> list[Notice]:
        """Up to `limit` pending logouts due by `now`, claimed for this caller: attempts
        counted and next_attempt_at moved to `lease_until`, so no other replica takes them
        (rows another transaction holds are skipped, not waited for)."""
        ...

    def delivered(self, notice_id: int, now: datetime) -> None: ...

    def retry_at(self, notice_id: int, when: datetime, error: str) -> None: ...

    def give_up(self, notice_id: int, now: datetime, error: str) -> None: ...

    def purge(self, finished_before: datetime, participants_before: datetime) -> int:
        """Forget finished logouts and participants older than these; returns rows removed."""
        ...


class DeliveryFailed(Exception):
    """The client did not take the logout token. `permanent`: trying again will not help."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class DeliveryRefused(DeliveryFailed):
    """The URI names an address or scheme the server will not call (targets.py): never
    retried, and audited, since a client registered it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, permanent=True)


class LogoutTokenSigner(Protocol):
    def sign(self, client_id: str, sub: str, sid: str) -> str:
        """A logout token (Back-Channel Logout 1.0 §2.4) for this client, signed now."""
        ...


class LogoutPoster(Protocol):
    def post(self, uri: str, logout_token: str) -> None:
        """POST `logout_token=…` (§2.5); raise DeliveryFailed unless the client answered 2xx."""
        ...
