"""A small key-value port with TTLs: Redis in production, in-process when REDIS_URL is unset.

Only what the services need: set with TTL, get, delete, exists-any, atomic
increment and sets. Every key gets the configured prefix plus the service's own.
"""

from __future__ import annotations

import builtins
import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol, TypeVar

import redis

from .errors import TemporarilyUnavailable

T = TypeVar("T")


class KeyValueStore(Protocol):
    def set(self, key: str, value: str, ttl_seconds: int) -> None: ...
    def get(self, key: str) -> str | None: ...
    def delete(self, *keys: str) -> None: ...
    def exists_any(self, *keys: str) -> bool: ...
    def incr(self, key: str, ttl_seconds: int) -> int: ...
    def sadd(self, key: str, member: str, ttl_seconds: int) -> None: ...
    def smembers(self, key: str) -> set[str]: ...
    def ping(self) -> bool: ...


class RedisStore:
    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self._r = client
        self._p = prefix

    @classmethod
    def from_url(cls, url: str, prefix: str) -> RedisStore:
        client = redis.Redis.from_url(
            url, decode_responses=True, socket_timeout=2, socket_connect_timeout=2,
            health_check_interval=15, max_connections=64,
        )
        return cls(client, prefix)

    def set(self, key: str, value: str, ttl_seconds: int) -> None:
        self._r.set(self._p + key, value, ex=max(1, int(ttl_seconds)))

    def get(self, key: str) -> str | None:
        return self._r.get(self._p + key)  # type: ignore[return-value]

    def delete(self, *keys: str) -> None:
        if keys:
            self._r.delete(*(self._p + k for k in keys))

    def exists_any(self, *keys: str) -> bool:
        return bool(keys) and int(self._r.exists(*(self._p + k for k in keys))) > 0  # type: ignore[arg-type]

    def incr(self, key: str, ttl_seconds: int) -> int:
        pipe = self._r.pipeline()
        pipe.incr(self._p + key)
        pipe.expire(self._p + key, max(1, int(ttl_seconds)), nx=True)
        return int(pipe.execute()[0])

    def sadd(self, key: str, member: str, ttl_seconds: int) -> None:
        pipe = self._r.pipeline()
        pipe.sadd(self._p + key, member)
        pipe.expire(self._p + key, max(1, int(ttl_seconds)), gt=True)
        pipe.expire(self._p + key, max(1, int(ttl_seconds)), nx=True)
        pipe.execute()

    def smembers(self, key: str) -> set[str]:
        return set(self._r.smembers(self._p + key))  # type: ignore[arg-type]

    def ping(self) -> bool:
        return bool(self._r.ping())


class MemoryStore:
    """In-process store for the embedded single-replica default (`make up` without Redis)."""

    def __init__(self, prefix: str = "") -> None:
        self._p = prefix
        self._data: dict[str, tuple[object, float]] = {}
        self._lock = threading.Lock()

    def _live(self, key: str) -> object | None:
        item = self._data.get(self._p + key)
        if item is None:
            return None
        if item[1] <= time.monotonic():
            self._data.pop(self._p + key, None)
            return None
        return item[0]

    def set(self, key: str, value: str, ttl_seconds: int) -> None:
        with self._lock:
            self._data[self._p + key] = (value, time.monotonic() + max(1, ttl_seconds))

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
            expiry = self._data[self._p + key][1] if cur is not None else time.monotonic() + ttl_seconds
            value = int(cur) + 1 if isinstance(cur, str) else 1
            self._data[self._p + key] = (str(value), expiry)
            return value

    def sadd(self, key: str, member: str, ttl_seconds: int) -> None:
        with self._lock:
            cur = self._live(key)
            members = set(cur) if isinstance(cur, set) else set()
            members.add(member)
            old = self._data.get(self._p + key, (None, 0.0))[1]
            self._data[self._p + key] = (members, max(old, time.monotonic() + ttl_seconds))

    def smembers(self, key: str) -> set[str]:
        with self._lock:
            cur = self._live(key)
            return set(cur) if isinstance(cur, set) else set()

    def ping(self) -> bool:
        return True


def make_store(url: str | None, prefix: str) -> KeyValueStore:
    return RedisStore.from_url(url, prefix) if url else MemoryStore(prefix)


class FailClosedStore:
    """A store whose failures are TemporarilyUnavailable (503 / UNAVAILABLE).

    When Redis cannot answer, the state it holds (a deny-list, a lockout) is unknown:
    callers must refuse, never guess.
    """

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


def require_no_eviction(url: str | None, log: logging.Logger) -> None:
    """Refuse to serve on a Redis that may evict keys.

    Redis holds what must not silently vanish: the access-token deny-list, session
    revocations, login lockouts, used client-assertion jtis. An evicted deny-list entry
    is a revoked token accepted again, so any `maxmemory-policy` but `noeviction` (Redis's
    default: writes fail when memory is full, which the services answer 503) stops the
    service at start (exit status 2, the reason logged). Where CONFIG is disabled (some
    managed Redis offerings) or Redis is not reachable yet, the policy cannot be read:
    that is logged, and the service starts.
    """
    if not url:
        return
    client = redis.Redis.from_url(url, decode_responses=True, socket_timeout=2, socket_connect_timeout=2)
    try:
        policy = client.config_get("maxmemory-policy").get("maxmemory-policy")
    except redis.ResponseError as exc:
        log.warning("could not read Redis maxmemory-policy (%s); it must be noeviction", exc)
        return
    except redis.RedisError as exc:
        log.warning("Redis not reachable at start (%s); its maxmemory-policy was not checked", exc)
        return
    finally:
        client.close()
    if policy and policy != "noeviction":
        log.critical("Redis maxmemory-policy is %r: it may evict revocations and lockouts. Set "
                     "`maxmemory-policy noeviction` (redis-server --maxmemory-policy noeviction).", policy)
        raise SystemExit(2)
