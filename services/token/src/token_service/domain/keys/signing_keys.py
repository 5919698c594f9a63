"""One replica's signing keys: the ring it signs and verifies with, kept in step with
the stored keys (rotations by any replica or by hand, `authgate keys rotate`)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from authgate_common.core import counters
from authgate_common.core.admin_api import BY_OPERATOR, Acting

from .key_ring import KeyRing
from .key_rotation import KeyRotation
from .key_set import KeySet, StoredKey, signing_key_of


@dataclass(frozen=True)
class KeyInfo:
    """What an operator may see of a key: never private material."""

    kid: str
    alg: str
    state: str
    created_at: datetime
    activated_at: datetime | None
    retired_at: datetime | None
    published_until: datetime | None  # retired keys: when they leave the JWKS


@dataclass(frozen=True)
class RotationOutcome:
    rotated: bool
    current_kid: str
    keys: list[KeyInfo]
    not_before: datetime | None


class SigningKeys:
    def __init__(self, rotation: KeyRotation, ring: KeyRing) -> None:
        self._rotation = rotation
        self.ring = ring
        # Read-then-load must not interleave: a refresh that read the keys just before a
        # rotation committed would otherwise swap the older set back in. Only the
        # background tick and operator calls take it; signing and verifying never do.
        self._reload = threading.Lock()
        # Tells the other replicas that the stored keys changed (adapters/key_changes.py).
        self.announce: Callable[[str], None] = lambda kid: None

    @classmethod
    def start(cls, rotation: KeyRotation) -> SigningKeys:
        """First start creates the keys; a rotation overdue while nobody ran happens now."""
        keys = cls(rotation, KeyRing(KeySet(rotation.check())))
        keys._report()
        return keys

    def refresh(self) -> bool:
        """The periodic tick: the scheduled check, then a reload if anything changed."""
        with self._reload:
            swapped = self.ring.load(self._rotation.check())
        if swapped:
            self._report()
        return swapped

    def describe(self) -> list[KeyInfo]:
        return [self._info(k) for k in self._sorted(self._rotation.keys())]

    def rotate(self, force: bool = False, by: Acting = BY_OPERATOR) -> RotationOutcome:
        with self._reload:
            result = self._rotation.rotate(force, by)
            self.ring.load(result.keys)  # this replica signs with the new key at once
        self._report()
        current = signing_key_of(result.keys)
        if result.rotated and current is not None:
            self.announce(current.kid)  # the other replicas reload now, not at their next tick
        return RotationOutcome(result.rotated, current.kid if current else "",
                               [self._info(k) for k in self._sorted(result.keys)], result.not_before)

    def _report(self) -> None:
        """The signing key's age on the metrics port (signing_key_age_seconds)."""
        counters.signing_key_created_at(self.ring.current().current_created_at.timestamp())

    def _info(self, key: StoredKey) -> KeyInfo:
        return KeyInfo(key.kid, key.alg, key.state, key.created_at, key.activated_at, key.retired_at,
                       self._rotation.policy.published_until(key))

    @staticmethod
    def _sorted(keys: list[StoredKey]) -> list[StoredKey]:
        return sorted(keys, key=lambda k: (k.created_at, k.kid))
