"""This replica's fan-out of revocations to the resource servers' verifiers (issue 18).

Every open `RevocationFeedService/WatchRevocations` stream holds an `Inbox`. Revocations reach
the hub from two places: the session feed this replica already keeps (revoked sessions,
`RevokedSessions.on_revocations`) and the deny-list's publications (revoked jtis and
clients, made on any token replica: Redis pub/sub, or in process without Redis). The hub
keeps nothing: a stream is subscribed before its snapshot is read, so what is revoked in
between is sent twice rather than never, and verifiers keep sets.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RevocationBatch:
    """Times are seconds since the epoch: when a verifier may forget the entry."""

    sessions: list[tuple[str, float]] = field(default_factory=list)  # (sid, forget_at)
    jtis: list[tuple[str, float]] = field(default_factory=list)  # (jti, forget_at)
    clients: list[tuple[str, int, float]] = field(default_factory=list)  # (id, revoked_before, forget_at)

    def __bool__(self) -> bool:
        return bool(self.sessions or self.jtis or self.clients)

    def extend(self, other: RevocationBatch) -> None:
        self.sessions.extend(other.sessions)
        self.jtis.extend(other.jtis)
        self.clients.extend(other.clients)


class Inbox:
    """One stream's queue; closing it wakes the reader."""

    def __init__(self) -> None:
        self._q: queue.SimpleQueue[RevocationBatch | None] = queue.SimpleQueue()
        self.closed = False

    def put(self, batch: RevocationBatch) -> None:
        self._q.put(batch)

    def close(self) -> None:
        self.closed = True
        self._q.put(None)

    def take(self, timeout: float) -> RevocationBatch:
        """Everything queued, waiting up to `timeout` for the first; empty on timeout or close."""
        merged = RevocationBatch()
        try:
            first = self._q.get(timeout=timeout)
        except queue.Empty:
            return merged
        while True:
            if first is not None:
                merged.extend(first)
            try:
                first = self._q.get_nowait()
            except queue.Empty:
                return merged


class FeedHub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._inboxes: set[Inbox] = set()
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

    def deliver(self, batch: RevocationBatch) -> None:
        if not batch:
            return
        with self._lock:
            inboxes = list(self._inboxes)
        for inbox in inboxes:
            inbox.put(batch)

    def drop_all(self) -> None:
        """End every open stream (their verifiers reconnect and resync)."""
        with self._lock:
            inboxes = list(self._inboxes)
        for inbox in inboxes:
            inbox.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self.drop_all()

    def __len__(self) -> int:
        return len(self._inboxes)
