"""The key-value port with TTLs the services' cores use, and its in-process implementation.

Only what the services need: set with TTL, get, delete, exists-any, atomic increment
and sets. Redis implements it in authgate_common.kv (RedisStore, FailClosedStore);
MemoryStore is the embedded single-replica default (REDIS_URL unset) and the unit tests'.
"""

from __future__ import annotations

import builtins
import threading
import time
from collections.abc import Callable
from typing import Protocol


class KeyValueStore(Protocol):
    def set(self, key: str, value: str, ttl_seconds: int) -> None: ...
    def get(self, key: str) -> str | None: ...
    def delete(self, *keys: str) -> None: ...
    def exists_any(self, *keys: str) -> bool: ...
    def incr(self, key: str, ttl_seconds: int) -> int: ...
    def sadd(self, key: str, member: str, ttl_seconds: int) -> None: ...
    def smembers(self, key: str) -> builtins.set[str]: ...  # `set` is a method here
    def ping(self) -> bool: ...


class MemoryStore:
    """In-process store for the embedded single-replica default (`make up` without Redis)."""

    def __init__(self, prefix: str = "", clock: Callable[[], float] = time.monotonic) -> None:
        self._p = prefix
        self._clock = clock  # what the TTLs run on (a test may set it)
        self._data: dict[str, tuple[object, float]] = {}
        self._lock = threading.Lock()

    def _live(self, key: str) -> object | None:
        item = self._data.get(self._p + key)
        if item is None:
            return None
        if item[1] <= self._clock():
            self._data.pop(self._p + key, None)
            return None
        return item[0]

    def set(self, key: str, value: str, ttl_seconds: int) -> None:
        with self._lock:
            self._data[self._p + key] = (value, self._clock() + max(1, ttl_seconds))

    def get(self, key: str) -> str | None:
        with self._lock:
            value = self._live(key)
            return value if isinstance(value, str) else None

    def delete(self, *keys: str) -> None:
        with self._lock:
            for k in keys:
                self._data.pop(self._p + k, None)

    def exists_any(self, *keys: str) -> bool:
        with self._lock:
            return any(self._live(k) is not None for k in keys)

    def incr(self, key: str, ttl_seconds: int) -> int:
        with self._lock:
            cur = self._live(key)
            expiry = self._data[self._p + key][1] if cur is not None else self._clock() + ttl_seconds
            value = int(cur) + 1 if isinstance(cur, str) else 1
            self._data[self._p + key] = (str(value), expiry)
            return value

    def sadd(self, key: str, member: str, ttl_seconds: int) -> None:
        with self._lock:
            cur = self._live(key)
            members = set(cur) if isinstance(cur, set) else set()
            members.add(member)
            old = self._data.get(self._p + key, (None, 0.0))[1]
            self._data[self._p + key] = (members, max(old, self._clock() + ttl_seconds))

    def smembers(self, key: str) -> builtins.set[str]:  # `set` is a method here
        with self._lock:
            cur = self._live(key)
            return set(cur) if isinstance(cur, set) else set()

    def ping(self) -> bool:
        return True
