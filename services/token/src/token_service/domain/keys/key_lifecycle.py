"""When signing keys change state: next → current → retired → removed.

OpenID Connect Core §10.1.1: a signer rotates by publishing the new key in its JWKS
(RFC 7517 §5) and then signing with it, the `kid` telling verifiers which key to
use. A verifier that cached the JWKS must already hold the new key when the first
token signed with it arrives, so a *next* key is published for longer than caches
keep the JWKS (plus the time replicas take to notice it) before it signs. A retired
key stays published until every token it signed has expired.

Pure functions of the keys and the time: key_rotation.py applies the decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from .key_set import StoredKey, signing_key_of


@dataclass(frozen=True)
class KeyPolicy:
    # How long a key signs before the scheduled rotation replaces it; None: never.
    rotate_every: timedelta | None
    # How long a next key is published before it may sign.
    publish_ahead: timedelta
    # How long a retired key stays published after it stopped signing.
    retire_for: timedelta

    def promotable_at(self, key: StoredKey) -> datetime:
        return key.created_at + self.publish_ahead

    def published_until(self, key: StoredKey) -> datetime | None:
        return key.retired_at + self.retire_for if key.retired_at is not None else None

    def rotation_due(self, current: StoredKey, now: datetime) -> bool:
        if self.rotate_every is None:
            return False
        return now >= (current.activated_at or current.created_at) + self.rotate_every


@dataclass(frozen=True)
class Decision:
    retire: StoredKey | None = None  # the key that stops signing
    promote: StoredKey | None = None  # the next key that starts signing
    create_current: bool = False  # a fresh key signs at once (first start, or forced with no next)
    create_next: bool = False
    remove: tuple[StoredKey, ...] = ()
    # When a rotation was asked for but the next key is not published long enough yet.
    not_before: datetime | None = None

    @property
    def rotates(self) -> bool:
        return self.promote is not None or self.create_current

    @property
    def changes_nothing(self) -> bool:
        return not (self.rotates or self.create_next or self.remove)


def decide(keys: Sequence[StoredKey], now: datetime, policy: KeyPolicy, *,
           rotate: bool = False, force: bool = False) -> Decision:
    """The changes due now. `rotate` asks for a rotation (by hand); `force` skips the wait
    for caches, so verifiers that cached the JWKS may not know the new key yet."""
    current = signing_key_of(keys)
    waiting = sorted((k for k in keys if k.state == "next"), key=lambda k: (k.created_at, k.kid))
    candidate = waiting[0] if waiting else None  # the one published longest
    remove = tuple(k for k in keys if k.state == "retired"
                   and (policy.published_until(k) or now) <= now)
    if current is None:
        wanted = ready = True  # nothing can sign: whatever there is signs now
    else:
        wanted = rotate or policy.rotation_due(current, now)
        ready = force or (candidate is not None and policy.promotable_at(candidate) <= now)
    promote = candidate if wanted and ready else None
    create_current = wanted and ready and candidate is None
    not_before = None
    if wanted and not ready:
        not_before = policy.promotable_at(candidate) if candidate else now + policy.publish_ahead
    return Decision(
        retire=current if (promote or create_current) else None, promote=promote,
        create_current=create_current, create_next=len(waiting) - (promote is not None) == 0,
        remove=remove, not_before=not_before)
