"""The key-value port on Redis (core.kv has the port and the in-process MemoryStore).

Every key gets the configured prefix plus the service's own.
"""

from __future__ import annotations

import builtins
import logging
from collections.abc import Callable
from typing import TypeVar

import redis

from .core.errors import TemporarilyUnavailable
from .core.kv import KeyValueStore, MemoryStore
from .settings import BaseServiceSettings

T = TypeVar("T")


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

    def smembers(self, key: str) -> builtins.set[str]:  # `set` is a method here
        return set(self._r.smembers(self._p + key))  # type: ignore[arg-type]

    def ping(self) -> bool:
        return bool(self._r.ping())


def make_store(url: str | None, prefix: str) -> KeyValueStore:
    return RedisStore.from_url(url, prefix) if url else MemoryStore(prefix)


def service_store(settings: BaseServiceSettings) -> KeyValueStore:
    """The service's own store: its keys under REDIS_KEY_PREFIX + "<service>:"."""
    return make_store(settings.REDIS_URL, settings.REDIS_KEY_PREFIX + settings.SERVICE + ":")


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
