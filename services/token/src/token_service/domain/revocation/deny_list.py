"""Keeping the jti deny-list whole (issue 7: nothing is accepted that a revocation could
have killed).

The deny-list (Redis) is a copy of the record (PostgreSQL, jti_record.py): revoked jtis
and revoked clients (a deleted client's tokens up to a point in time). Redis keeps
nothing on disk, so it may come back empty; the copy therefore carries a completeness
marker (no expiry) that is set only after every unexpired revocation was loaded from the
record. Validation reads a jti, its client and the marker in one round trip. Without the
marker no token is accepted: one replica takes a short lock in Redis and reloads, the
others wait briefly for it and then fail closed (TemporarilyUnavailable: 503 / UNAVAILABLE). The
marker is set only if the loader still holds its lock, so a store that loses its data
again mid-load is never marked complete.

Every revocation is written to the record first and then pushed here. A push that failed
(Redis unreachable, a crash in between) is made good by `sync`, which each replica runs
every few seconds: it pushes what was revoked since its last run and reloads an incomplete
copy, so recovery never waits for traffic.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

from authgate_common.core.errors import TemporarilyUnavailable

from .jti_record import JtiUnitOfWork

log = logging.getLogger(__name__)
# How far back each sync looks before its previous run: covers a transaction that
# committed after that run read, and clocks of replicas that differ a little.
SYNC_OVERLAP = timedelta(seconds=60)
POLL_SECONDS = 0.02


class DenyList(Protocol):
    """The fast copy every validation reads; failures are TemporarilyUnavailable."""

    def check(self, jti: str, client_id: str = "", iat: int = 0) -> tuple[bool, bool]:
        """(is the jti deny-listed, or `client_id` revoked at or after the second `iat`;
        is the copy complete), in one round trip."""

    def add(self, entries: Sequence[tuple[str, int]]) -> None:
        """Deny-list each jti for its number of seconds."""

    def add_clients(self, entries: Sequence[tuple[str, int, int]]) -> None:
        """(client_id, revoked_before, seconds): refuse the client's tokens with `iat` <=
        revoked_before for that long; a later revoked_before is never replaced by an earlier."""

    def is_complete(self) -> bool: ...

    def claim_rebuild(self, owner: str, ttl_seconds: int) -> bool:
        """Take the reload lock, unless another replica holds it."""

    def complete_rebuild(self, owner: str) -> bool:
        """Set the completeness marker and release the lock, only if `owner` still holds it."""

    def release_rebuild(self, owner: str) -> None: ...


class DenyListKeeper:
    def __init__(self, record: JtiUnitOfWork, deny_list: DenyList,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC), *,
                 wait_seconds: float = 1.0, lock_seconds: int = 30, page_size: int = 1000,
                 monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._record = record
        self._deny_list = deny_list
        self._clock = clock
        self._wait = wait_seconds
        self._lock_seconds = lock_seconds
        self._page = page_size
        self._monotonic = monotonic
        self._sleep = sleep
        self._local = threading.Lock()  # one loader per replica; its other threads wait
        self._synced_since: datetime | None = None

    def ensure_complete(self) -> None:
        """At start, and whenever the marker is found missing."""
        if not self._deny_list.is_complete():
            self.recover()

    def recover(self) -> None:
        """Reload the copy unless another replica is at it; wait briefly for that one, and
        raise TemporarilyUnavailable if the copy is still incomplete then."""
        deadline = self._monotonic() + self._wait
        if self._local.acquire(timeout=self._wait):
            try:
                if self._deny_list.is_complete():
                    return
                owner = secrets.token_hex(16)
                if self._deny_list.claim_rebuild(owner, self._lock_seconds):
                    self._rebuild(owner)
                    return
            finally:
                self._local.release()
        while True:
            if self._deny_list.is_complete():
                return
            if self._monotonic() >= deadline:
                raise TemporarilyUnavailable(detail="the jti deny-list is being reloaded")
            self._sleep(POLL_SECONDS)

    def _rebuild(self, owner: str) -> None:
        try:
            loaded = self._push(since=None)
        except BaseException:
            self._release_quietly(owner)
            raise
        if not self._deny_list.complete_rebuild(owner):
            raise TemporarilyUnavailable(detail="the key-value store lost data during the reload")
        log.warning("jti deny-list had no completeness marker (a first start, or Redis lost its "
                    "data): loaded %d revoked access token(s) from the record", loaded)

    def _release_quietly(self, owner: str) -> None:
        try:
            self._deny_list.release_rebuild(owner)
        except TemporarilyUnavailable:
            pass  # the lock expires by itself

    def sync(self) -> int:
        """The periodic job: push what was revoked since the last run (everything unexpired
        on the first), after reloading an incomplete copy. Returns how many were pushed."""
        self.ensure_complete()
        started = self._clock()
        pushed = self._push(since=self._synced_since)
        self._synced_since = started - SYNC_OVERLAP
        return pushed

    def _push(self, since: datetime | None) -> int:
        now = self._clock()
        with self._record() as record:  # a few rows: one per client deleted within a token's life
            clients = record.revoked_clients(now, since=since)
        self._deny_list.add_clients([(c.client_id, c.revoked_before, c.ttl_seconds(now))
                                     for c in clients])
        after, total = "", len(clients)
        while True:
            with self._record() as record:
                page = record.revoked(now, since=since, after=after, limit=self._page)
            self._deny_list.add([(e.jti, e.ttl_seconds(now)) for e in page])
            total += len(page)
            if len(page) < self._page:
                return total
            after = page[-1].jti
