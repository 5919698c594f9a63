"""This replica's side of the revocation feed: fan-out to its open WatchRevocations streams.

A revocation can reach a replica three ways: its own publisher, Redis pub/sub from
another replica, and the periodic read of the record that catches what pub/sub lost
(pub/sub is at-most-once). The hub hands each new one to every open stream once and
remembers sids until validators may forget them, so the second arrival is dropped.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from .model import Revocation
from .ports import Clock

PRUNE_EVERY = timedelta(seconds=60)


class Inbox:
    """One stream's queue of revocation batches; closing it wakes the reader."""

    def __init__(self) -> None:
        self._q: queue.SimpleQueue[list[Revocation] | None] = queue.SimpleQueue()
        self.closed = False

    def put(self, batch: list[Revocation]) -> None:
        self._q.put(batch)

    def close(self) -> None:
        self.closed = True
        self._q.put(None)

    def take(self, timeout: float) -> list[Revocation]:
        """Everything queued, waiting up to `timeout` for the first; [] on timeout or close."""
        try:
            first = self._q.get(timeout=timeout)
        except queue.Empty:
            return []
        batch = list(first or [])
        while True:
            try:
                more = self._q.get_nowait()
            except queue.Empty:
                return batch
            batch.extend(more or [])


class RevocationHub:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._inboxes: set[Inbox] = set()
        self._known: dict[str, datetime] = {}  # sid -> forget_at
        self._pruned_at = clock()
        self._closed = False

    @contextmanager
    def subscribe(self) -> Iterator[Inbox]:
        inbox = Inbox()
        with self._lock:
            if self._closed:
                inbox.close()
            self._inboxes.add(inbox)
        try:
            yield inbox
        finally:
            with self._lock:
                self._inboxes.discard(inbox)

    def deliver(self, revocations: Iterable[Revocation]) -> int:
        """Queue the revocations not seen before for every open stream; returns how many."""
        now = self._clock()
        with self._lock:
            fresh = [r for r in revocations if r.sid not in self._known and r.forget_at > now]
            for r in fresh:
                self._known[r.sid] = r.forget_at
            if now - self._pruned_at >= PRUNE_EVERY:
                self._known = {s: t for s, t in self._known.items() if t > now}
                self._pruned_at = now
            inboxes = list(self._inboxes) if fresh else []
        for inbox in inboxes:
            inbox.put(fresh)
        return len(fresh)

    @property
    def subscribers(self) -> int:
        with self._lock:
            return len(self._inboxes)

    def close(self) -> None:
        """Ends every open stream (shutdown) and refuses new ones."""
        with self._lock:
            self._closed = True
            inboxes = list(self._inboxes)
        for inbox in inboxes:
            inbox.close()
