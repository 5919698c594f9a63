"""Single use of DPoP proofs across replicas (RFC 9449 §11.1), on the service's key-value store.

A proof's replay key (a hash of its key's thumbprint and its `jti`) is counted with one
atomic INCR that sets the TTL: the first caller on any replica gets 1, every later one
more. The store is Redis shared by the replicas (FailClosedStore: an outage is 503, never
a proof accepted twice); the embedded single-replica default keeps it in memory.
"""

from __future__ import annotations

from authgate_common.core.kv import KeyValueStore

PREFIX = "dpop:jti:"


class StoreReplayGuard:
    def __init__(self, store: KeyValueStore) -> None:
        self._store = store

    def first_use(self, key: str, ttl_seconds: int) -> bool:
        return self._store.incr(PREFIX + key, ttl_seconds) == 1
