"""Checking a second-factor code: a TOTP code of one of the user's factors (RFC 6238,
once per time step, totp.py), else one of the user's unused recovery codes (once).

Wrong codes are counted by the login throttle exactly like wrong passwords (per account
and per address, NIST SP 800-63B §5.2.2: rate limiting), so guessing six digits is as
slow as guessing a password; a locked account's code is not even looked at. The
account's count is its own ("2fa:" + the username key): a correct password resets the
password count, and must not reset the count of codes guessed after it. The
factor's row is locked while its last step moves, so two requests with one code cannot
both pass. Every failure, lockout and recovery-code use is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from authgate_common.core.audit import AuditEvent, StandaloneAudit, utc_now

from ..throttle import LoginThrottle
from ..users import User
from . import totp
from .ports import FactorUnitOfWork
from .recovery_codes import RecoveryCodeHasher

BY_TOTP = "totp"
BY_RECOVERY_CODE = "recovery_code"


def throttle_account(user: User) -> str:
    """The second factor's own failure count and lockout (domain/throttle.py keys)."""
    return "2fa:" + user.username_key


class VerifySecondFactor:
    def __init__(self, factors: FactorUnitOfWork, hasher: RecoveryCodeHasher,
                 throttle: LoginThrottle | None, clock: Callable[[], datetime] = utc_now) -> None:
        self._factors = factors
        self._hasher = hasher
        self._throttle = throttle
        self._clock = clock
        self.audit = StandaloneAudit(factors)

    def __call__(self, user: User, code: str, client_ip: str = "") -> str | None:
        """How the code was accepted (BY_TOTP or BY_RECOVERY_CODE), or None."""
        account = throttle_account(user)
        if self._throttle is not None and self._throttle.is_locked(account, client_ip):
            self._failed(user, client_ip, "locked", [])
            return None
        method = self._check(user, code, client_ip)
        if method is None:
            lockouts = self._throttle.failed(account, client_ip) if self._throttle is not None else []
            self._failed(user, client_ip, "wrong_code", lockouts)
        elif self._throttle is not None:
            self._throttle.succeeded(account)
        return method

    def _check(self, user: User, code: str, client_ip: str) -> str | None:
        now = self._clock()
        if totp.normalize_code(code) is not None:
            with self._factors() as repo:
                for factor in repo.totp_factors(user.id, for_update=True):
                    step = totp.accepted_step(factor.secret, code, factor.last_step, now)
                    if step is not None:
                        repo.totp_used(factor.id, step, now)
                        return BY_TOTP
            return None
        code_hash = self._hasher.hash(user.id, code)
        if code_hash is None:
            return None
        with self._factors() as repo:
            if not repo.use_recovery_code(user.id, code_hash, now):
                return None
            left = repo.recovery_codes_left(user.id)
            repo.audit.record(AuditEvent("mfa.recovery_code.used", user.id, user.id, source=client_ip,
                                         details={"remaining": left}))
        return BY_RECOVERY_CODE

    def _failed(self, user: User, client_ip: str, reason: str, lockouts: list[tuple[str, int]]) -> None:
        self.audit.record(AuditEvent("mfa.failure", user.id, source=client_ip, details={"reason": reason}))
        for kind, seconds in lockouts:
            self.audit.record(AuditEvent("login.lockout", user.id, source=client_ip, details={
                "scope": "account" if kind == "acct" else "address", "seconds": seconds}))
