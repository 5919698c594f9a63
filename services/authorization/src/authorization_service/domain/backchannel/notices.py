"""Queueing back-channel logouts when sessions end (Back-Channel Logout 1.0 §2.3, §2.7).

The session feed reports every revoked session to every replica, again on each
reconnection; enqueueing is idempotent (one row per session and client), so each
client is told once however many replicas hear of it. Finished logouts are kept longer
than the feed re-reports a revocation, and participants longer than a session lives.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from ..ports import Clock, UnitOfWork

BATCH = 500


class LogoutNotices:
    def __init__(
        self, uow: UnitOfWork, clock: Clock, *, keep_finished: timedelta, keep_participants: timedelta
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._keep_finished = keep_finished
        self._keep_participants = keep_participants

    def sessions_ended(self, sids: Iterable[str]) -> int:
        """Queue a logout for every client that took part in these sessions; how many were new."""
        unique = list(dict.fromkeys(s for s in sids if s))
        added = 0
        for start in range(0, len(unique), BATCH):
            with self._uow() as tx:
                added += tx.backchannel.enqueue(unique[start : start + BATCH], self._clock.now())
        return added

    def purge(self) -> int:
        now = self._clock.now()
        with self._uow() as tx:
            return tx.backchannel.purge(now - self._keep_finished, now - self._keep_participants)
