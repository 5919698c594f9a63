"""The periodic refresh-token cleanup as a daemon thread of `serve` (one per replica)."""

from __future__ import annotations

import logging
import random
import threading

from ..domain.refresh_cleanup import RefreshCleanup

log = logging.getLogger(__name__)


class CleanupJob:
    def __init__(self, cleanup: RefreshCleanup, interval_seconds: float) -> None:
        self._cleanup = cleanup
        self._interval = interval_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="refresh-cleanup", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        # A random first delay, so replicas started together do not all sweep at once.
        delay = random.uniform(1, min(60.0, self._interval))  # noqa: S311 - not a secret
        while not self._stop.wait(delay):
            try:
                self._cleanup.run_once()
            except Exception:  # noqa: BLE001 - the job must outlive a database hiccup
                log.exception("refresh cleanup failed; retrying next interval")
            delay = self._interval
