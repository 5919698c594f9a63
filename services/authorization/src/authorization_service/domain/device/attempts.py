"""Wrong user codes counted (RFC 8628 §5.1: the user code is short, so guessing it must be
slow): per session and per address, across replicas when the store is Redis. The
`max_per_session`-th wrong code in a session, or the `max_per_address`-th from an
address, within `window_seconds` of the first, refuses further codes from it until then."""

from __future__ import annotations

from dataclasses import dataclass

from authgate_common.core.crypto import keyed_hash
from authgate_common.core.kv import KeyValueStore


@dataclass(frozen=True)
class AttemptPolicy:
    max_per_session: int = 5
    max_per_address: int = 20
    window_seconds: int = 900


class UserCodeAttempts:
    def __init__(self, store: KeyValueStore, key: bytes, policy: AttemptPolicy) -> None:
        self._store, self._key, self._policy = store, key, policy

    def _keys(self, sid: str, address: str) -> tuple[str, str]:
        # Keyed, so the store names neither sessions nor addresses.
        return (f"device:fail:sid:{keyed_hash(self._key, sid)}",
                f"device:fail:addr:{keyed_hash(self._key, address)}")

    def locked(self, sid: str, address: str) -> bool:
        by_sid, by_addr = self._keys(sid, address)
        return (int(self._store.get(by_sid) or 0) >= self._policy.max_per_session
                or (bool(address) and int(self._store.get(by_addr) or 0) >= self._policy.max_per_address))

    def failed(self, sid: str, address: str) -> None:
        by_sid, by_addr = self._keys(sid, address)
        self._store.incr(by_sid, self._policy.window_seconds)
        if address:
            self._store.incr(by_addr, self._policy.window_seconds)
