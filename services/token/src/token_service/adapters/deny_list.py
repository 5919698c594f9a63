"""The jti deny-list in Redis (or in process when REDIS_URL is unset), failing closed.

Keys, under REDIS_KEY_PREFIX + "token:":
  revoked:jti:<jti>   "1" until the token would be refused anyway
  revoked:client:<id> the second up to which the client's tokens are revoked (by `iat`),
                      until the last of them would be refused anyway
  revoked:complete    the completeness marker, no expiry (domain/revocation/deny_list.py)
  revoked:reloading   the reload lock: its owner, with an expiry
When Redis cannot answer, revocation state is unknown: callers get TemporarilyUnavailable
(503 / UNAVAILABLE), never a token accepted on a guess. Redis must not evict these keys
(maxmemory-policy noeviction): an evicted entry would be forgotten while the marker stays.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

import redis
from authgate_common.core.errors import TemporarilyUnavailable

T = TypeVar("T")
JTI = "revoked:jti:"
CLIENT = "revoked:client:"
COMPLETE = "revoked:complete"
RELOADING = "revoked:reloading"
PIPELINE_BATCH = 500

# KEYS: the lock, the marker; ARGV: the owner. Marks complete only if the lock is still ours.
_COMPLETE_IF_OWNER = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[2], '1')
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
"""
# KEYS: the client's key; ARGV: revoked_before, seconds. Never moves the point back in time.
_REVOKE_CLIENT = """
local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) >= current then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
end
return 1
"""
_RELEASE_IF_OWNER = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


def _guard(op: Callable[[], T]) -> T:
    try:
        return op()
    except (redis.RedisError, OSError) as exc:
        raise TemporarilyUnavailable(detail=f"key-value store: {type(exc).__name__}") from exc


class RedisDenyList:
    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self._r = client
        self._p = prefix
        self._complete_if_owner = client.register_script(_COMPLETE_IF_OWNER)
        self._release_if_owner = client.register_script(_RELEASE_IF_OWNER)
        self._revoke_client = client.register_script(_REVOKE_CLIENT)
        self._own = threading.local()  # each validating thread's connection (check)
        self._owned: list[redis.Connection] = []
        self._own_lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, prefix: str) -> RedisDenyList:
        # The options of authgate_common.kv.RedisStore: short timeouts, so a lost Redis
        # turns into a quick 503 rather than hung validations.
        client = redis.Redis.from_url(url, decode_responses=True, socket_timeout=2,
                                      socket_connect_timeout=2, health_check_interval=15,
                                      max_connections=64)
        return cls(client, prefix)

    def check(self, jti: str, client_id: str = "", iat: int = 0) -> tuple[bool, bool]:
        # The hot path of every validation: one MGET on this thread's own connection.
        keys = (self._p + JTI + jti, self._p + COMPLETE,
                *((self._p + CLIENT + client_id,) if client_id else ()))
        listed, complete, *until = self._mget(keys)
        return listed is not None or _revoked_at(until, iat), complete is not None

    def _mget(self, keys: tuple[str, ...]) -> list[str | None]:
        """MGET on a connection this thread keeps, past redis-py's pool: its checkout polls
        the socket and takes a lock on every command, which cost more CPU than the command
        itself (~250 µs against ~100 µs per validation, bench/NOTES.md item 33). Any error
        drops that connection and the command goes once more the ordinary way (the pool,
        its retries), which answers or fails closed."""
        conn = getattr(self._own, "conn", None)
        if conn is None:
            pool = self._r.connection_pool
            conn = self._own.conn = pool.connection_class(**pool.connection_kwargs)
            with self._own_lock:
                self._owned.append(conn)
        try:
            conn.send_command("MGET", *keys, check_health=False)
            return conn.read_response()  # type: ignore[no-any-return]
        except (redis.RedisError, OSError):
            conn.disconnect()
            self._own.conn = None
            with self._own_lock:
                self._owned.remove(conn)
        return _guard(lambda: self._r.execute_command("MGET", *keys))  # type: ignore[no-any-return]

    def add(self, entries: Sequence[tuple[str, int]]) -> None:
        def write() -> None:
            for start in range(0, len(entries), PIPELINE_BATCH):
                pipe = self._r.pipeline(transaction=False)
                for jti, ttl in entries[start:start + PIPELINE_BATCH]:
                    pipe.set(self._p + JTI + jti, "1", ex=max(1, int(ttl)))
                pipe.execute()
        _guard(write)

    def add_clients(self, entries: Sequence[tuple[str, int, int]]) -> None:
        def write() -> None:
            for client_id, revoked_before, ttl in entries:
                self._revoke_client(keys=[self._p + CLIENT + client_id],
                                    args=[int(revoked_before), max(1, int(ttl))])
        _guard(write)

    def is_complete(self) -> bool:
        return bool(_guard(lambda: self._r.exists(self._p + COMPLETE)))

    def claim_rebuild(self, owner: str, ttl_seconds: int) -> bool:
        return bool(_guard(lambda: self._r.set(self._p + RELOADING, owner, nx=True, ex=ttl_seconds)))

    def complete_rebuild(self, owner: str) -> bool:
        keys = [self._p + RELOADING, self._p + COMPLETE]
        return bool(_guard(lambda: self._complete_if_owner(keys=keys, args=[owner])))

    def release_rebuild(self, owner: str) -> None:
        _guard(lambda: self._release_if_owner(keys=[self._p + RELOADING], args=[owner]))

    def close(self) -> None:
        with self._own_lock:
            for conn in self._owned:
                conn.disconnect()
            self._owned.clear()
        self._r.close()


def _revoked_at(until: list[str | None], iat: int) -> bool:
    """Whether the client's revocation (its value, when there is one) covers `iat`."""
    try:
        return bool(until) and until[0] is not None and iat <= int(until[0])
    except ValueError:
        return True  # not ours to misread: refuse rather than accept


class MemoryDenyList:
    """The embedded single-process default: empty at every start, so reloaded from the record."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._expiry: dict[str, float] = {}
        self._clients: dict[str, tuple[int, float]] = {}  # client -> (revoked_before, expiry)
        self._complete = False
        self._owner: tuple[str, float] | None = None
        self._lock = threading.Lock()

    def check(self, jti: str, client_id: str = "", iat: int = 0) -> tuple[bool, bool]:
        with self._lock:
            now = self._clock()
            until, at = self._clients.get(client_id, (-1, 0.0))
            return self._expiry.get(jti, 0.0) > now or (at > now and iat <= until), self._complete

    def add(self, entries: Sequence[tuple[str, int]]) -> None:
        with self._lock:
            now = self._clock()
            for key in [k for k, at in self._expiry.items() if at <= now]:
                del self._expiry[key]  # expired entries go on write, so the dict stays bounded
            for jti, ttl in entries:
                self._expiry[jti] = max(self._expiry.get(jti, 0.0), now + max(1, int(ttl)))

    def add_clients(self, entries: Sequence[tuple[str, int, int]]) -> None:
        with self._lock:
            now = self._clock()
            self._clients = {k: v for k, v in self._clients.items() if v[1] > now}
            for client_id, revoked_before, ttl in entries:
                until, _at = self._clients.get(client_id, (-1, 0.0))
                if revoked_before >= until:
                    self._clients[client_id] = (revoked_before, now + max(1, int(ttl)))

    def is_complete(self) -> bool:
        return self._complete

    def claim_rebuild(self, owner: str, ttl_seconds: int) -> bool:
        with self._lock:
            if self._owner is not None and self._owner[1] > self._clock():
                return False
            self._owner = (owner, self._clock() + ttl_seconds)
            return True

    def complete_rebuild(self, owner: str) -> bool:
        with self._lock:
            if self._owner is None or self._owner[0] != owner:
                return False
            self._owner, self._complete = None, True
            return True

    def release_rebuild(self, owner: str) -> None:
        with self._lock:
            if self._owner is not None and self._owner[0] == owner:
                self._owner = None

    def flush(self) -> None:
        """What a Redis restart does (tests)."""
        with self._lock:
            self._expiry.clear()
            self._clients.clear()
            self._complete, self._owner = False, None
