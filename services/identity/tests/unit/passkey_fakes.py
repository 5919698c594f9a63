"""In-memory passkey storage (the PasskeyRepository port) and the passkey core wired on
it, beside the identity and second-factor fakes (identity_fakes.py, mfa_fakes.py)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import cast

from authgate_common.core.audit import MemoryAuditTrail
from authgate_common.core.errors import AlreadyExists
from authgate_common.core.kv import MemoryStore
from identity_fakes import Core
from identity_service.domain.passkeys.assertion import Assertions
from identity_service.domain.passkeys.challenges import Challenges
from identity_service.domain.passkeys.manage import ManagePasskeys
from identity_service.domain.passkeys.model import Passkey
from identity_service.domain.passkeys.passwordless import PasswordlessSignIn
from identity_service.domain.passkeys.ports import PasskeyUnitOfWork
from identity_service.domain.passkeys.registration import Registration
from identity_service.domain.passkeys.relying_party import RelyingParty
from identity_service.domain.passkeys.second_factor import PasskeySecondFactor
from identity_service.domain.throttle import LoginThrottle
from mfa_fakes import Mfa, make_mfa

ORIGIN = "https://login.example.com"


class FakePasskeys:
    def __init__(self) -> None:
        self.rows: dict[str, Passkey] = {}
        self._pending: dict[str, Passkey] | None = None
        self.audit = MemoryAuditTrail()

    @contextmanager
    def __call__(self) -> Iterator[FakePasskeys]:
        self._pending = dict(self.rows)
        try:
            yield self
            self.rows = self._pending
        finally:
            self._pending = None

    @property
    def _view(self) -> dict[str, Passkey]:
        assert self._pending is not None, "repository used outside a unit of work"
        return self._pending

    def add(self, passkey: Passkey) -> None:
        if any(p.credential_id == passkey.credential_id for p in self._view.values()):
            raise AlreadyExists("This passkey is registered already.")
        self._view[passkey.id] = passkey

    def get(self, passkey_id: str) -> Passkey | None:
        return self._view.get(passkey_id)

    def get_by_credential_id(self, credential_id: bytes) -> Passkey | None:
        return next((p for p in self._view.values() if p.credential_id == credential_id), None)

    def list_for_user(self, user_id: str) -> Sequence[Passkey]:
        return sorted((p for p in self._view.values() if p.user_id == user_id), key=lambda p: p.created_at)

    def rename(self, passkey_id: str, name: str) -> None:
        self._view[passkey_id] = replace(self._view[passkey_id], name=name)

    def delete(self, passkey_id: str) -> bool:
        return self._view.pop(passkey_id, None) is not None

    def delete_for_user(self, user_id: str) -> int:
        mine = [k for k, p in self._view.items() if p.user_id == user_id]
        for k in mine:
            del self._view[k]
        return len(mine)

    def record_use(self, passkey_id: str, seen_count: int, new_count: int, backed_up: bool,
                   at: datetime) -> bool:
        current = self._view.get(passkey_id)
        if current is None or current.sign_count != seen_count:
            return False
        self._view[passkey_id] = replace(current, sign_count=new_count, backed_up=backed_up, last_used_at=at)
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class PasskeyCore:
    mfa: Mfa
    core: Core
    passkeys: FakePasskeys
    store: MemoryStore
    clock: Clock
    rp: RelyingParty
    registration: Registration
    assertions: Assertions
    passwordless: PasswordlessSignIn
    manage: ManagePasskeys
    throttle: LoginThrottle
    second_factor: PasskeySecondFactor


def make_passkey_core(origins: Sequence[str] = (ORIGIN,)) -> PasskeyCore:
    mfa = make_mfa()
    core, throttle = mfa.core, mfa.throttle  # locks an account at its third failure
    passkeys, clock = FakePasskeys(), Clock()
    store = MemoryStore(clock=clock)
    rp = RelyingParty.for_issuer(ORIGIN, secrets.token_bytes(32), origins=origins)
    challenges = Challenges(store, secrets.token_bytes(32))
    now = lambda: datetime.now(UTC)  # noqa: E731
    uow = cast(PasskeyUnitOfWork, passkeys)  # MemoryAuditTrail where the port says AuditTrail
    assertions = Assertions(uow, rp, challenges, now)
    registration = Registration(uow, core.users, rp, challenges, now)
    passwordless = PasswordlessSignIn(assertions, core.users, core.login, throttle)
    manage = ManagePasskeys(uow)
    mfa.manage.others.append(manage)
    second_factor = PasskeySecondFactor(assertions, mfa.complete, core.users, throttle)
    return PasskeyCore(mfa, core, passkeys, store, clock, rp, registration, assertions, passwordless,
                       manage, throttle, second_factor)
