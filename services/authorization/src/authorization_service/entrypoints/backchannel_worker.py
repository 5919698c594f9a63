"""The back-channel logout loop of one replica: a daemon thread, never on a request path.

It turns sessions the revocation feed reports into queued logouts, then claims due ones
(as many as it has free senders, so a claim never waits out its lease in a queue) and
hands each to a small pool of senders, so one client that hangs delays no other. The
feed callback only records the sids and wakes the loop; the database is touched here.
A session ended just as a code was issued for it may gain its participant a moment
after the feed reported it, so recently ended sessions are enqueued again for a while
(enqueueing is idempotent).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from authgate_common.periodic_job import PeriodicJob

from ..domain.backchannel.delivery import BackchannelDelivery
from ..domain.backchannel.models import Notice
from ..domain.backchannel.notices import LogoutNotices

log = logging.getLogger(__name__)

RESWEEP_EVERY_SECONDS = 10.0
REMEMBER_ENDED_SECONDS = 120.0
PURGE_EVERY_SECONDS = 3600.0


class BackchannelWorker:
    def __init__(
        self,
        notices: LogoutNotices,
        delivery: BackchannelDelivery,
        *,
        poll_seconds: float,
        concurrency: int,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._notices = notices
        self._delivery = delivery
        self._now = monotonic
        self._wall = wall_clock
        self._concurrency = concurrency
        self._lock = threading.Lock()
        # Reported by the feed, not yet enqueued: sid and whether it ended just now.
        self._ended: list[tuple[str, bool]] = []
        self._recent: dict[str, float] = {}  # sid -> when to stop enqueueing it again
        self._swept_at = self._purged_at = self._now()
        self._slots = threading.BoundedSemaphore(concurrency)
        self._pool = ThreadPoolExecutor(concurrency, thread_name_prefix="backchannel-send")
        # A round fails when the database is down: pause before the next, even if woken.
        self._loop = PeriodicJob("backchannel-logout", self.tick, poll_seconds,
                                 pause_after_failure_seconds=min(5.0, max(poll_seconds, 1.0)))

    # -- called by the revocation feed thread: no I/O -------------------------------------

    def sessions_ended(self, revocations: Sequence[Any]) -> None:
        """The feed's callback: `revocations` carry `sid` and `revoked_at` (a Timestamp)."""
        recent_since = self._wall() - REMEMBER_ENDED_SECONDS
        ended = [(str(r.sid), r.revoked_at.seconds >= recent_since) for r in revocations if r.sid]
        with self._lock:
            self._ended.extend(ended)
        self._loop.wake()

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> BackchannelWorker:
        self._loop.start()
        return self

    def stop(self) -> None:
        self._loop.stop(wait_seconds=5)
        # Attempts under way finish (each is bounded by its timeouts); none is started.
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- one round --------------------------------------------------------------------------

    def tick(self) -> int:
        """Enqueue what the feed reported, then start due deliveries; returns how many started."""
        self._enqueue_ended()
        if self._now() - self._purged_at >= PURGE_EVERY_SECONDS:
            self._purged_at = self._now()
            self._notices.purge()
        free = 0
        while free < self._concurrency and self._slots.acquire(blocking=False):
            free += 1
        claimed: list[Notice] = []
        try:
            claimed = self._delivery.claim(free)
        finally:
            for _ in range(free - len(claimed)):
                self._slots.release()
        for notice in claimed:
            self._pool.submit(self._send, notice)
        return len(claimed)

    def _enqueue_ended(self) -> None:
        now = self._now()
        with self._lock:
            fresh, self._ended = self._ended, []
        resweep = now - self._swept_at >= RESWEEP_EVERY_SECONDS
        sids = [sid for sid, _ in fresh]
        if resweep:
            self._recent = {sid: until for sid, until in self._recent.items() if until > now}
            sids += list(self._recent)
        if not sids:
            return
        try:
            added = self._notices.sessions_ended(sids)
        except Exception:
            with self._lock:  # keep them for the next round
                self._ended = fresh + self._ended
            raise
        if resweep:
            self._swept_at = now
        for sid, just_now in fresh:
            if just_now:
                self._recent[sid] = now + REMEMBER_ENDED_SECONDS
        if added:
            log.info("queued %d back-channel logout(s)", added)

    def _send(self, notice: Notice) -> None:
        try:
            self._delivery.deliver(notice)
        except Exception:  # noqa: BLE001 - the lease expires and another attempt is made
            log.exception("back-channel logout to client %s failed unexpectedly", notice.client_id)
        finally:
            self._slots.release()
            self._loop.wake()  # a free sender: there may be more due
