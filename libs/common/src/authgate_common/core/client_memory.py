"""What one replica remembers per client, forgotten the moment the client changes.

The token service remembers client authentications (token_service.domain.clients.cache),
the authorization service client registrations (authorization_service.domain.
remembered_clients). What tells them a client changed is infrastructure
(authgate_common.client_changes, Redis pub/sub); this is only the memory.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class ClientMemory(Generic[V]):
    """What one replica remembers per client, for `ttl_seconds` at most, forgotten the moment
    the client changes.

    Entries are keyed by (client_id, anything else that tells answers apart). `recall` loads
    what it does not hold; only answers (not None, not exceptions) are kept. While
    `trusted()` is false (the change subscription is not live) nothing is read or kept, and
    an answer loaded while a `forget` ran is returned but not kept: it may predate the
    change. A ttl of 0 keeps nothing.
    """

    def __init__(self, ttl_seconds: float, max_entries: int = 10_000,
                 clock: Callable[[], float] = time.monotonic,
                 trusted: Callable[[], bool] = lambda: True) -> None:
        self._ttl = ttl_seconds
        self._max = max_entries
        self._clock = clock
        self._trusted = trusted
        self._entries: dict[tuple[str, Hashable], tuple[float, V]] = {}
        # Moves on every forget: an answer fetched before a forget is not stored after it.
        self._epoch = 0
        self._lock = threading.Lock()

    def recall(self, key: tuple[str, Hashable], load: Callable[[], V | None]) -> V | None:
        if self._ttl <= 0 or not self._trusted():
            return load()
        now = self._clock()
        hit = self._entries.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        epoch = self._epoch
        value = load()
        if value is None:
            return None
        with self._lock:
            if epoch != self._epoch or not self._trusted():
                return value
            if len(self._entries) >= self._max:
                self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
                if len(self._entries) >= self._max:
                    self._entries = {}
            self._entries[key] = (now + self._ttl, value)
        return value

    def forget(self, client_id: str) -> None:
        """The client changed: what is remembered of it goes, on this replica, now."""
        with self._lock:
            self._epoch += 1
            self._entries = {k: v for k, v in self._entries.items() if k[0] != client_id}

    def forget_all(self) -> None:
        """Changes may have been missed (the subscription was lost or is new)."""
        with self._lock:
            self._epoch += 1
            self._entries = {}
