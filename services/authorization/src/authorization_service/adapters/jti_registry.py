"""Used client-assertion `jti`s: Redis SET NX EX (one answer for every replica), or an
in-process dict for the embedded single-replica default. Redis failing is
TemporarilyUnavailable: an assertion that cannot be checked for replay is not accepted."""

from __future__ import annotations

import threading
import time

import redis
from authgate_common.core.errors import TemporarilyUnavailable


class RedisJtiRegistry:
    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self._r = client
        self._p = prefix

    @classmethod
    def from_url(cls, url: str, prefix: str) -> RedisJtiRegistry:
        return cls(redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2,
                                        health_check_interval=15), prefix)

    def first_use(self, key: str, ttl_seconds: int) -> bool:
        try:
            return bool(self._r.set(self._p + key, "1", nx=True, ex=max(1, int(ttl_seconds))))
        except (redis.RedisError, OSError) as exc:
            raise TemporarilyUnavailable(detail=f"jti registry: {type(exc).__name__}") from exc

    def close(self) -> None:
        self._r.close()


class MemoryJtiRegistry:
    def __init__(self) -> None:
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def first_use(self, key: str, ttl_seconds: int) -> bool:
        now = time.monotonic()
        with self._lock:
            if len(self._until) > 10000:
                self._until = {k: t for k, t in self._until.items() if t > now}
            if self._until.get(key, 0.0) > now:
                return False
            self._until[key] = now + max(1, ttl_seconds)
            return True

    def close(self) -> None:
        pass
