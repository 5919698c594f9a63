"""The key set a replica signs and verifies with, swapped whole when the keys change.

Minters and validators call `current()` once per token and use that snapshot
throughout, so a swap mid-request never pairs one key's `kid` with another's
signature. Assigning an attribute is atomic in Python: no lock on the hot path.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Protocol

from .key_set import KeySet, StoredKey, fingerprint


class KeySource(Protocol):
    """A KeySet (fixed) or a KeyRing (reloadable)."""

    def current(self) -> KeySet: ...


class KeyRing:
    def __init__(self, keys: KeySet) -> None:
        self._keys = keys
        self._swap = threading.Lock()  # writers only: two reloads must not interleave

    def current(self) -> KeySet:
        return self._keys

    def load(self, stored: Iterable[StoredKey]) -> bool:
        """Swap in these keys if they differ from the ones in use; True if swapped."""
        stored = list(stored)
        with self._swap:
            if fingerprint(stored) == self._keys.fingerprint:
                return False
            self._keys = KeySet(stored, previous=self._keys)
            return True
