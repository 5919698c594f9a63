"""Applying the key lifecycle to the stored keys, once, whatever the number of replicas.

Every replica runs the scheduled check; the common case (nothing due) is one read and
no lock. When something is due the repository lock (pg_advisory_xact_lock on
PostgreSQL; SQLite serialises writers itself) is taken, the keys are read again and
the decision is made again, so replicas racing each other rotate once: the second
finds nothing left to do. The whole change is one transaction, its audit row included
(`key.rotated`, or `key.created` when there was no key to rotate from).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from authgate_common.core.admin_api import BY_OPERATOR, Acting
from authgate_common.core.audit import SYSTEM, AuditEvent

from .key_lifecycle import Decision, KeyPolicy, decide
from .key_set import KeyConflict, KeyRepository, KeyUnitOfWork, StoredKey, generate_signing_key

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RotationResult:
    rotated: bool
    keys: list[StoredKey]
    not_before: datetime | None = None  # set when an unforced rotation had to wait


def utc_now() -> datetime:
    return datetime.now(UTC)


class KeyRotation:
    def __init__(self, uow: KeyUnitOfWork, policy: KeyPolicy, clock: Callable[[], datetime] = utc_now,
                 generate: Callable[[datetime, str], StoredKey] = generate_signing_key,
                 attempts: int = 5) -> None:
        self._uow = uow
        self.policy = policy
        self._clock = clock
        self._generate = generate
        self._attempts = attempts

    def keys(self) -> list[StoredKey]:
        with self._uow() as repo:
            return repo.list_keys()

    def check(self) -> list[StoredKey]:
        """The scheduled pass (and the first start): rotate if due, prune, keep a next key."""
        return self._run(rotate=False, force=False).keys

    def rotate(self, force: bool = False, by: Acting = BY_OPERATOR) -> RotationResult:
        """By hand: the operator, or an admin client (`admin.key.rotated`)."""
        return self._run(rotate=True, force=force, by=by)

    def _run(self, *, rotate: bool, force: bool, by: Acting | None = None) -> RotationResult:
        for attempt in range(self._attempts):
            try:
                with self._uow() as repo:
                    keys = repo.list_keys()
                    if not rotate and decide(keys, self._clock(), self.policy).changes_nothing:
                        return RotationResult(False, keys)
                    repo.lock()
                    now = self._clock()
                    decision = decide(repo.list_keys(), now, self.policy, rotate=rotate, force=force)
                    self._apply(repo, decision, now)
                    if decision.rotates:
                        repo.audit.record(_rotated(decision, repo.list_keys(), by=by, force=force))
                    return RotationResult(decision.rotates, repo.list_keys(), decision.not_before)
            except KeyConflict:
                log.info("signing keys written concurrently, reading again (attempt %d)", attempt + 1)
        raise RuntimeError("could not update the signing keys")

    def _apply(self, repo: KeyRepository, decision: Decision, now: datetime) -> None:
        # Retire before promoting: at most one key is ever current (a unique index says so).
        if decision.retire is not None:
            repo.set_state(decision.retire.kid, "retired", retired_at=now)
            log.info("signing key kid=%s retired", decision.retire.kid)
        if decision.promote is not None:
            repo.set_state(decision.promote.kid, "current", activated_at=now)
            log.info("signing key kid=%s now signs", decision.promote.kid)
        if decision.create_current:
            key = self._generate(now, "current")
            repo.add(key)
            log.info("created signing key kid=%s (signs at once)", key.kid)
        for old in decision.remove:
            repo.delete(old.kid)
            log.info("signing key kid=%s removed: every token it signed has expired", old.kid)
        if decision.create_next:
            key = self._generate(now, "next")
            repo.add(key)
            log.info("created next signing key kid=%s (published, not signing yet)", key.kid)


def _rotated(decision: Decision, keys: list[StoredKey], *, by: Acting | None, force: bool) -> AuditEvent:
    """`by`: who rotated by hand; None: the scheduled check (SYSTEM)."""
    current = next((k.kid for k in keys if k.state == "current"), "")
    previous = decision.retire.kid if decision.retire is not None else ""
    name = "key.rotated" if previous else "key.created"
    details = {"kid": current, "previous_kid": previous, "forced": force}
    if by is None:
        return AuditEvent(name, actor=SYSTEM, details=details)
    return by.event(name, "", **details)
