"""The revocation feed's safety net: a periodic read of the record on every replica.

Redis pub/sub is at-most-once: a message published while a replica was resubscribing,
or not published at all because Redis was down, would otherwise never reach that
replica's validators. Every REVOCATION_FEED_POLL_SECONDS the replica reads the
revocations committed since its last read (with an overlap for commits that landed
late or clocks that differ a little) and hands them to its hub, which drops what it
has already sent.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from ..domain.context import Deps
from ..domain.feed import RevocationHub
from ..domain.revocations import recent_revocations

log = logging.getLogger(__name__)

OVERLAP = timedelta(seconds=60)


class RecordPoller:
    def __init__(self, deps: Deps, hub: RevocationHub, interval_seconds: float) -> None:
        self._deps, self._hub, self._interval = deps, hub, interval_seconds
        self._stop, self._wake = threading.Event(), threading.Event()
        self._since: datetime | None = None
        self._thread = threading.Thread(target=self._run, name="revocation-poller", daemon=True)

    def start(self) -> RecordPoller:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=5)

    def poke(self) -> None:
        """Read the record now (the pub/sub channel was just lost and regained)."""
        self._wake.set()

    def poll_once(self) -> int:
        started = self._deps.clock()
        found = recent_revocations(self._deps, self._since - OVERLAP if self._since else None)
        self._since = started
        return self._hub.deliver(found)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                found = self.poll_once()
                if found:
                    log.debug("%d revocations handed on from the record", found)
            except Exception as exc:  # noqa: BLE001 - keep polling; the next read catches up
                log.warning("revocation poll failed: %s", exc)
            self._wake.wait(self._interval)
            self._wake.clear()
