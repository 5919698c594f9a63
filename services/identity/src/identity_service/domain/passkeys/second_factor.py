"""A passkey as the second factor after a password, or for a step-up of a live session:
the pending sign-in of domain/mfa (pending_signin.py) names the user; the options list
that user's passkeys (§5.5 allowCredentials), the challenge is bound to the pending
sign-in's cookie, and an assertion by another user's passkey is refused (assertion.py).

Refusals are counted and audited as wrong second-factor codes are (domain/mfa/
second_factor.py: the "2fa:" account count, mfa.failure, login.lockout), and a locked
account is refused before its assertion is looked at. A passkey after the password
earns e.g. ["pwd", "hwk", "user", "mfa"]; domain/mfa/complete.py makes (or elevates)
the session and ends the pending sign-in.
"""

from __future__ import annotations

from typing import Any, NoReturn

from authgate_common.core.audit import AuditEvent, StandaloneAudit

from ..mfa.complete import Completed, CompleteSignIn
from ..mfa.second_factor import throttle_account
from ..ports import UserUnitOfWork
from ..throttle import LoginThrottle
from ..users import User
from .assertion import Assertions
from .challenges import SECOND_FACTOR
from .errors import PasskeyRefused
from .model import passkey_amr


class PasskeySecondFactor:
    def __init__(self, assertions: Assertions, complete: CompleteSignIn, users: UserUnitOfWork,
                 throttle: LoginThrottle | None = None) -> None:
        self._assertions = assertions
        self._complete = complete
        self._throttle = throttle
        self.audit = StandaloneAudit(users)

    def options(self, cookie: str) -> dict[str, Any]:
        """Request options for the pending sign-in's user (SignInExpired when none)."""
        _, user = self._complete.pending(cookie)
        return self._assertions.options(SECOND_FACTOR, cookie, user.id)

    def __call__(self, cookie: str, credential: Any, client_ip: str, user_agent: str,
                 session_token: str = "") -> Completed:
        pending, user = self._complete.pending(cookie)
        account = throttle_account(user)
        if self._throttle is not None and self._throttle.is_locked(account, client_ip):
            self._failed(user, client_ip, "locked", [])
        try:
            asserted = self._assertions.verify(SECOND_FACTOR, cookie, credential, user.id)
        except PasskeyRefused as refused:
            lockouts = self._throttle.failed(account, client_ip) if self._throttle is not None else []
            self._failed(user, client_ip, "passkey", lockouts, refused.detail)
        if self._throttle is not None:
            self._throttle.succeeded(account)
        amr = passkey_amr(asserted.passkey, asserted.user_verified, prior=pending.amr)
        return self._complete.finish(cookie, amr, client_ip, user_agent, session_token)

    def _failed(self, user: User, client_ip: str, reason: str, lockouts: list[tuple[str, int]],
                detail: str = "") -> NoReturn:
        self.audit.record(AuditEvent("mfa.failure", user.id, source=client_ip, details={"reason": reason}))
        for kind, seconds in lockouts:
            self.audit.record(AuditEvent("login.lockout", user.id, source=client_ip, details={
                "scope": "account" if kind == "acct" else "address", "seconds": seconds}))
        raise PasskeyRefused(detail=detail or reason, subject=user.id)
