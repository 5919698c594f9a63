"""The key-value port behaves the same on Redis and in process."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from authgate_common.core.kv import KeyValueStore, MemoryStore
from authgate_common.kv import RedisStore
from authgate_common.testing import REDIS_URL, redis_prefix


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Iterator[KeyValueStore]:
    if request.param == "memory":
        yield MemoryStore("p:")
        return
    with redis_prefix("kv") as prefix:
        yield RedisStore.from_url(REDIS_URL, prefix)


def test_set_get_delete_exists(store: KeyValueStore) -> None:
    assert store.get("a") is None
    store.set("a", "1", 60)
    assert store.get("a") == "1" and store.exists_any("zz", "a")
    store.delete("a")
    assert not store.exists_any("a")


def test_ttl_expires(store: KeyValueStore) -> None:
    store.set("short", "x", 1)
    time.sleep(1.2)
    assert store.get("short") is None


def test_incr_and_sets(store: KeyValueStore) -> None:
    assert [store.incr("n", 60) for _ in range(3)] == [1, 2, 3]
    store.sadd("s", "a", 60)
    store.sadd("s", "b", 60)
    assert store.smembers("s") == {"a", "b"}
    assert store.ping()
