"""The revocation feed's safety net: a periodic read of the record on every replica.

Redis pub/sub is at-most-once: a message published while a replica was resubscribing,
or not published at all because Redis was down, would otherwise never reach that
replica's validators. Every REVOCATION_FEED_POLL_SECONDS the replica reads the
revocations committed since its last read (with an overlap for commits that landed
late or clocks that differ a little) and hands them to its hub, which drops what it
has already sent. A failed read is logged and the next one catches up.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from authgate_common.periodic_job import PeriodicJob

from ..domain.context import Deps
from ..domain.feed import RevocationHub
from ..domain.revocations import recent_revocations

log = logging.getLogger(__name__)

OVERLAP = timedelta(seconds=60)


class RecordPoller(PeriodicJob):
    def __init__(self, deps: Deps, hub: RevocationHub, interval_seconds: float) -> None:
        super().__init__("revocation-poller", self._round, interval_seconds, first_delay_seconds=0)
        self._deps, self._hub = deps, hub
        self._since: datetime | None = None

    def stop(self, wait_seconds: float = 5) -> None:
        super().stop(wait_seconds)

    def poke(self) -> None:
        """Read the record now (the pub/sub channel was just lost and regained)."""
        self.wake()

    def poll_once(self) -> int:
        started = self._deps.clock()
        found = recent_revocations(self._deps, self._since - OVERLAP if self._since else None)
        self._since = started
        return self._hub.deliver(found)

    def _round(self) -> None:
        found = self.poll_once()
        if found:
            log.debug("%d revocations handed on from the record", found)
