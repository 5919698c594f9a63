"""A task every replica repeats in the background of `serve` (a daemon thread): key
refresh, refresh-token cleanup, deny-list sync, audit retention, the outbox relay, the
revocation record poll, back-channel logout delivery."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Self

log = logging.getLogger(__name__)


class PeriodicJob:
    """Runs `task` every `interval_seconds` (the first time after `first_delay_seconds`),
    or sooner when woken; a failing round is logged and the next one comes as usual, after
    `pause_after_failure_seconds` more (which no wake cuts short)."""

    def __init__(self, name: str, task: Callable[[], object], interval_seconds: float,
                 first_delay_seconds: float | None = None, *,
                 pause_after_failure_seconds: float = 0) -> None:
        self._name = name
        self._task = task
        self._interval = interval_seconds
        self._first_delay = interval_seconds if first_delay_seconds is None else first_delay_seconds
        self._failure_pause = pause_after_failure_seconds
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()
        return self

    def stop(self, wait_seconds: float = 0) -> None:
        """Ask the thread to end; with `wait_seconds`, let a round in progress finish first."""
        self._stop.set()
        self._wake.set()
        if wait_seconds and self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(wait_seconds)

    def wake(self) -> None:
        """Run the next round now rather than at the end of the interval."""
        self._wake.set()

    def _sleep(self, seconds: float) -> bool:
        """Wait out `seconds` or a wake; True when the job is stopping."""
        self._wake.wait(seconds)
        self._wake.clear()
        return self._stop.is_set()

    def _run(self) -> None:
        delay = self._first_delay
        while not self._sleep(delay):
            delay = self._interval
            try:
                self._task()
            except Exception:  # noqa: BLE001 - the job must outlive a database hiccup
                log.exception("%s failed; retrying next interval", self._name)
                if self._stop.wait(self._failure_pause):
                    return
