"""In-memory second factors (the FactorRepository port, transactional like the SQL one),
a fake session service that can validate and elevate, and the mfa core wired on them."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pyotp
from authgate_common.core.audit import MemoryAuditTrail
from authgate_common.core.crypto import derive_key
from authgate_common.core.kv import MemoryStore
from identity_fakes import Core, make_core
from identity_service.adapters.pending_store import KvPendingStore
from identity_service.domain.mfa.complete import CompleteSignIn
from identity_service.domain.mfa.enrol import EnrolTotp
from identity_service.domain.mfa.manage import ManageFactors
from identity_service.domain.mfa.pending_signin import PendingSignIns
from identity_service.domain.mfa.ports import TotpFactor
from identity_service.domain.mfa.recovery_codes import RecoveryCodeHasher
from identity_service.domain.mfa.second_factor import VerifySecondFactor
from identity_service.domain.mfa.secret_box import SecretBox
from identity_service.domain.mfa.sessions import LiveSession
from identity_service.domain.mfa.sign_in import PasswordSignIn, StartStepUp
from identity_service.domain.ports import StartedSession
from identity_service.domain.throttle import LoginThrottle, ThrottlePolicy
from identity_service.domain.users import User

KEY = "test-secret-key-of-enough-length-0123456789"


class FakeFactors:
    def __init__(self) -> None:
        self.totp: dict[str, TotpFactor] = {}
        self.codes: dict[tuple[str, str], datetime | None] = {}
        self.audit = MemoryAuditTrail()
        self._saved: tuple[dict[str, TotpFactor], dict[tuple[str, str], datetime | None]] | None = None

    @contextmanager
    def __call__(self) -> Iterator[FakeFactors]:
        saved = (dict(self.totp), dict(self.codes))
        try:
            yield self
        except BaseException:
            self.totp, self.codes = saved
            raise

    def totp_factors(self, user_id: str, *, for_update: bool = False) -> list[TotpFactor]:
        return sorted((f for f in self.totp.values() if f.user_id == user_id), key=lambda f: f.created_at)

    def add_totp(self, factor: TotpFactor) -> None:
        self.totp[factor.id] = factor

    def totp_used(self, factor_id: str, step: int, at: datetime) -> None:
        self.totp[factor_id] = replace(self.totp[factor_id], last_step=step, last_used_at=at)

    def remove_totp(self, user_id: str, factor_id: str) -> bool:
        found = self.totp.get(factor_id)
        if found is None or found.user_id != user_id:
            return False
        del self.totp[factor_id]
        return True

    def remove_all_totp(self, user_id: str) -> int:
        gone = [k for k, f in self.totp.items() if f.user_id == user_id]
        for k in gone:
            del self.totp[k]
        return len(gone)

    def replace_recovery_codes(self, user_id: str, code_hashes: list[str], at: datetime) -> None:
        self.codes = {k: v for k, v in self.codes.items() if k[0] != user_id}
        self.codes.update({(user_id, h): None for h in code_hashes})

    def use_recovery_code(self, user_id: str, code_hash: str, at: datetime) -> bool:
        if (user_id, code_hash) not in self.codes or self.codes[(user_id, code_hash)] is not None:
            return False
        self.codes[(user_id, code_hash)] = at
        return True

    def recovery_codes_left(self, user_id: str) -> int:
        return sum(1 for (u, _), used in self.codes.items() if u == user_id and used is None)

    def kinds(self, user_ids: list[str]) -> dict[str, set[str]]:
        return {u: {"totp"} if self.totp_factors(u) else set() for u in user_ids}


@dataclass
class FakeGate:
    """The session service's ValidateSession/ElevateSession over sessions a test makes."""

    live: dict[str, LiveSession] = field(default_factory=dict)
    elevated: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    def session(self, user_id: str, amr: Sequence[str] = ("pwd",)) -> LiveSession:
        token = secrets.token_urlsafe(16)
        self.live[token] = LiveSession(secrets.token_urlsafe(8), user_id, tuple(amr),
                                       datetime.now(UTC), token)
        return self.live[token]

    def validate_session(self, token: str) -> LiveSession | None:
        return self.live.get(token)

    def elevate_session(self, token: str, amr: Sequence[str]) -> StartedSession:
        old = self.live.pop(token)
        new_token = secrets.token_urlsafe(16)
        self.live[new_token] = replace(old, amr=tuple(dict.fromkeys([*old.amr, *amr])), token=new_token)
        self.elevated.append((old.sid, tuple(amr)))
        return StartedSession(old.sid, old.user_id, new_token, datetime.now(UTC) + timedelta(hours=1))


@dataclass
class Mfa:
    core: Core
    factors: FakeFactors
    gate: FakeGate
    kv: MemoryStore
    throttle: LoginThrottle
    manage: ManageFactors
    enrol: EnrolTotp
    verify: VerifySecondFactor
    pending: PendingSignIns
    sign_in: PasswordSignIn
    step_up: StartStepUp
    complete: CompleteSignIn
    hasher: RecoveryCodeHasher

    def enrolled(self, user: User) -> tuple[str, list[str]]:
        """A TOTP factor for `user` (its secret) and the first recovery codes, confirmed with
        the previous step's code, so that the current one is still unused."""
        offer = self.enrol.offer(user)
        code = pyotp.TOTP(offer.secret).at(datetime.now(UTC) - timedelta(seconds=30))
        enrolled = self.enrol.confirm(user, offer.token, code, "phone")
        return offer.secret, enrolled.recovery_codes


POLICY = ThrottlePolicy(max_failures_per_account=3, max_failures_per_address=50, window_seconds=900,
                        lockout_seconds=60, max_lockout_seconds=600)


def make_mfa() -> Mfa:
    core = make_core()
    factors, gate, kv = FakeFactors(), FakeGate(), MemoryStore()
    throttle = LoginThrottle(kv, POLICY)
    hasher = RecoveryCodeHasher(derive_key(KEY, "identity/recovery-code"))
    manage = ManageFactors(factors, core.users, hasher, throttle=throttle)
    enrol = EnrolTotp(factors, SecretBox(derive_key(KEY, "identity/totp-enrolment")), hasher, "authgate.test")
    verify = VerifySecondFactor(factors, hasher, throttle)
    pending = PendingSignIns(KvPendingStore(kv), derive_key(KEY, "identity/pending-signin"))
    complete = CompleteSignIn(pending, core.users, core.login, gate, verify, enrol, manage)
    return Mfa(core, factors, gate, kv, throttle, manage, enrol, verify, pending,
               PasswordSignIn(core.login, manage, pending), StartStepUp(manage, pending), complete, hasher)
