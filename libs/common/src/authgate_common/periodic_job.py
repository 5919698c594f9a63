"""A task every replica repeats in the background of `serve` (a daemon thread): key
refresh, refresh-token cleanup, deny-list sync, audit retention, the outbox relay."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class PeriodicJob:
    """Runs `task` every `interval_seconds` (the first time after `first_delay_seconds`);
    a failing round is logged and the next one comes as usual."""

    def __init__(self, name: str, task: Callable[[], object], interval_seconds: float,
                 first_delay_seconds: float | None = None) -> None:
        self._name = name
        self._task = task
        self._interval = interval_seconds
        self._first_delay = interval_seconds if first_delay_seconds is None else first_delay_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def start(self) -> PeriodicJob:
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()
        return self

    def stop(self, wait_seconds: float = 0) -> None:
        """Ask the thread to end; with `wait_seconds`, let a round in progress finish first."""
        self._stop.set()
        if wait_seconds and self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(wait_seconds)

    def _run(self) -> None:
        delay = self._first_delay
        while not self._stop.wait(delay):
            try:
                self._task()
            except Exception:  # noqa: BLE001 - the job must outlive a database hiccup
                log.exception("%s failed; retrying next interval", self._name)
            delay = self._interval
