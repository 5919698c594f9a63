"""The key-value store (the per-client rate limit), failing closed: when Redis cannot
answer, callers get TemporarilyUnavailable (503 / UNAVAILABLE) and decide. The jti
deny-list has its own adapter (deny_list.py), failing closed the same way.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import TypeVar

import redis
from authgate_common.errors import TemporarilyUnavailable
from authgate_common.kv import KeyValueStore

T = TypeVar("T")


class GuardedStore:
    def __init__(self, inner: KeyValueStore) -> None:
        self._inner = inner

    def _run(self, op: Callable[[], T]) -> T:
        try:
            return op()
        except (redis.RedisError, OSError) as exc:
            raise TemporarilyUnavailable(detail=f"key-value store: {type(exc).__name__}") from exc

    def set(self, key: str, value: str, ttl_seconds: int) -> None:
        self._run(lambda: self._inner.set(key, value, ttl_seconds))

    def get(self, key: str) -> str | None:
        return self._run(lambda: self._inner.get(key))

    def delete(self, *keys: str) -> None:
        self._run(lambda: self._inner.delete(*keys))

    def exists_any(self, *keys: str) -> bool:
        return self._run(lambda: self._inner.exists_any(*keys))

    def incr(self, key: str, ttl_seconds: int) -> int:
        return self._run(lambda: self._inner.incr(key, ttl_seconds))

    def sadd(self, key: str, member: str, ttl_seconds: int) -> None:
        self._run(lambda: self._inner.sadd(key, member, ttl_seconds))

    def smembers(self, key: str) -> builtins.set[str]:  # `set` is a method here
        return self._run(lambda: self._inner.smembers(key))

    def ping(self) -> bool:
        return self._run(self._inner.ping)
