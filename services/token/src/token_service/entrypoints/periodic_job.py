"""A task every replica repeats in the background of `serve` (a daemon thread)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class PeriodicJob:
    def __init__(self, name: str, task: Callable[[], object], interval_seconds: float,
                 first_delay_seconds: float | None = None) -> None:
        self._name = name
        self._task = task
        self._interval = interval_seconds
        self._first_delay = interval_seconds if first_delay_seconds is None else first_delay_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        delay = self._first_delay
        while not self._stop.wait(delay):
            try:
                self._task()
            except Exception:  # noqa: BLE001 - the job must outlive a database hiccup
                log.exception("%s failed; retrying next interval", self._name)
            delay = self._interval
