"""Restart a crashed process with back-off, as Kubernetes restarts a crashed container.

A process that exits on its own (a crash, a `kill -9`) is started again after a delay
that doubles with each crash in a row (1 s, 2 s, 4 s … up to 30 s) and returns to the
first once the process has stayed up a while; the other processes keep serving meanwhile.
A process stopped on purpose (`Stack.stop_process`, `stop`, `reconfigured`) is left alone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol


@dataclass
class Backoff:
    """The delay before each restart of one process (Kubernetes' CrashLoopBackOff, shorter)."""

    first: float = 1.0
    cap: float = 30.0
    # A process that ran this long before it crashed is restarted after `first` again.
    stable_after: float = 60.0
    crashes: int = 0  # in a row, each after less than `stable_after` up

    def next_delay(self, uptime: float) -> float:
        if uptime >= self.stable_after:
            self.crashes = 0
        delay = min(self.first * 2 ** self.crashes, self.cap)
        self.crashes += 1
        return delay


class Supervised(Protocol):
    """What the supervisor needs of a stack (authgate_devstack.stack.Stack)."""

    def crashed(self) -> dict[str, tuple[int, float]]:
        """Every process that exited unasked: name -> (its pid, when it was started)."""
        ...

    def respawn(self, name: str, pid: int) -> bool: ...  # False: stopped or replaced since


@dataclass
class Supervisor:
    stack: Supervised
    report: Callable[[str], None]
    policy: Callable[[], Backoff] = Backoff
    poll_seconds: float = 0.2
    _backoff: dict[str, Backoff] = field(default_factory=dict)
    _due: dict[str, tuple[int, float]] = field(default_factory=dict)  # name -> (dead pid, restart at)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="supervisor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            self.tick(time.monotonic())

    def tick(self, now: float) -> None:
        crashed = self.stack.crashed()
        for name, (pid, started) in crashed.items():
            if name in self._due and self._due[name][0] == pid:
                continue
            delay = self._backoff.setdefault(name, self.policy()).next_delay(now - started)
            self._due[name] = (pid, now + delay)
            self.report(f"authgate: {name} exited; restarting it in {delay:g} s")
        for name, (pid, at) in list(self._due.items()):
            if name not in crashed or crashed[name][0] != pid:
                del self._due[name]  # stopped on purpose or started again by someone else
            elif now >= at:
                del self._due[name]
                if self.stack.respawn(name, pid):
                    self.report(f"authgate: {name} restarted")
