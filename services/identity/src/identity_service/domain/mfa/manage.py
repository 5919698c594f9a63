"""The user's own second factors on the account page, and an operator's reset: list
them (TOTP here, passkeys from their own store), remove one, replace the recovery codes.

Every change is audited in its own transaction with the change. Removing the last
factor of a user who must use MFA is allowed: the next sign-in enrols again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from authgate_common.core.audit import AuditEvent, utc_now
from authgate_common.core.errors import NotFound

from ..acting import Acting
from ..ports import UserUnitOfWork
from ..throttle import LoginThrottle
from ..users import User
from . import recovery_codes
from .ports import TOTP, FactorSummary, FactorUnitOfWork, OtherFactors
from .recovery_codes import RecoveryCodeHasher
from .second_factor import throttle_account


@dataclass(frozen=True)
class FactorList:
    factors: list[FactorSummary]
    recovery_codes_left: int

    @property
    def kinds(self) -> set[str]:
        return {f.kind for f in self.factors}


class ManageFactors:
    def __init__(self, factors: FactorUnitOfWork, users: UserUnitOfWork, hasher: RecoveryCodeHasher,
                 others: Sequence[OtherFactors] = (), throttle: LoginThrottle | None = None,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self._factors = factors
        self._users = users
        self._hasher = hasher
        self.others = list(others)  # passkeys register here (bootstrap)
        self._throttle = throttle
        self._clock = clock

    def user(self, user_id: str) -> User | None:
        """The live user (None when deleted or disabled)."""
        with self._users() as users:
            found = users.get(user_id)
        return found if found is not None and not found.disabled else None

    def factors_of(self, user_id: str) -> FactorList:
        with self._factors() as repo:
            found = [FactorSummary(TOTP, f.id, f.label, f.created_at, f.last_used_at)
                     for f in repo.totp_factors(user_id)]
            left = repo.recovery_codes_left(user_id)
        for other in self.others:
            found.extend(other.list_factors(user_id))
        return FactorList(sorted(found, key=lambda f: f.created_at), left)

    def methods(self, user_id: str) -> set[str]:
        """The kinds of factor the user has (empty: none)."""
        return self.factors_of(user_id).kinds

    def methods_of(self, user_ids: list[str]) -> dict[str, set[str]]:
        """The kinds of factor of each user (mfa_methods of the operator API)."""
        with self._factors() as repo:
            found = repo.kinds(user_ids)
        for other in self.others:
            for user_id in user_ids:
                if other.list_factors(user_id):
                    found.setdefault(user_id, set()).add(other.kind)
        return found

    def remove_totp(self, user: User, factor_id: str, actor: str, client_ip: str = "") -> None:
        with self._factors() as repo:
            if not repo.remove_totp(user.id, factor_id):
                raise NotFound("No such authenticator app.")
            repo.audit.record(AuditEvent("mfa.totp.removed", user.id, actor, source=client_ip,
                                         details={"factor": factor_id}))

    def new_recovery_codes(self, user: User, client_ip: str = "") -> list[str]:
        """Ten new codes (shown once); every earlier code stops working."""
        codes = recovery_codes.new_codes()
        with self._factors() as repo:
            repo.replace_recovery_codes(user.id, [self._hasher.hash(user.id, c) or "" for c in codes],
                                        self._clock())
            repo.audit.record(AuditEvent("mfa.recovery_codes.generated", user.id, user.id,
                                         source=client_ip, details={"count": len(codes)}))
        return codes

    def reset(self, user: User, by: Acting) -> int:
        """Remove every factor and recovery code of the user (an operator's or admin
        client's act, audited `[admin.]user.factors_reset`); how many factors went
        (recovery codes not counted). A user who must use MFA enrols at the next sign-in."""
        with self._factors() as repo:
            removed = repo.remove_all_totp(user.id)
            repo.replace_recovery_codes(user.id, [], self._clock())
            removed += sum(other.remove_all(user.id) for other in self.others)
            repo.audit.record(by.event("user.factors_reset", user.id, removed=removed))
        if self._throttle is not None:
            self._throttle.unlock(throttle_account(user))
        return removed
