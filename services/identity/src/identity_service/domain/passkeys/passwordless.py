"""Passwordless sign-in with a passkey (WebAuthn §7.2 with user verification required):
one gesture is two factors (the device, and the PIN or biometric that unlocked it), so
the new session's amr is e.g. ["hwk", "user", "mfa"] (RFC 8176 §2; model.py).

No username is typed: the options name no credentials and the authenticator offers its
discoverable ones (§5.4.6). The challenge is bound to the login page's CSRF cookie, so
only the browser that asked can answer it. Like a password login it starts a brand-new
session (never adopts one, OWASP session fixation), honours the login throttle (a locked
address or account is refused the same way; a refused passkey counts as one failure) and
is audited (Login.start: login.success with its amr; login.failure, reason "passkey").
"""

from __future__ import annotations

from typing import Any, NoReturn

from authgate_common.core import counters
from authgate_common.core.audit import AuditEvent, StandaloneAudit

from ..login import Login
from ..ports import StartedSession, UserUnitOfWork
from ..throttle import LoginThrottle
from .assertion import Assertions
from .challenges import PASSWORDLESS
from .errors import PasskeyRefused
from .model import passkey_amr


class PasswordlessSignIn:
    def __init__(self, assertions: Assertions, users: UserUnitOfWork, login: Login,
                 throttle: LoginThrottle | None = None) -> None:
        self._assertions = assertions
        self._users = users
        self._login = login
        self._throttle = throttle
        self.audit = StandaloneAudit(users)

    def options(self, binding: str) -> dict[str, Any]:
        return self._assertions.options(PASSWORDLESS, binding)

    def __call__(self, binding: str, credential: Any, client_ip: str, user_agent: str) -> StartedSession:
        if self._throttle is not None and self._throttle.is_locked("", client_ip):
            self._failed("", client_ip, "locked", count=False)
        try:
            asserted = self._assertions.verify(PASSWORDLESS, binding, credential)
        except PasskeyRefused as refused:
            self._failed(refused.subject, client_ip, "passkey", detail=refused.detail)
        with self._users() as users:
            user = users.get(asserted.passkey.user_id)
        if user is None or user.disabled:
            self._failed(asserted.passkey.user_id, client_ip, "disabled")
        account = user.username_key
        if self._throttle is not None and self._throttle.is_locked(account, client_ip):
            self._failed(user.id, client_ip, "locked", count=False)
        started = self._login.start(user, client_ip, user_agent,
                                    passkey_amr(asserted.passkey, asserted.user_verified))
        if self._throttle is not None:
            self._throttle.succeeded(account)
        return started

    def _failed(self, user_id: str, client_ip: str, reason: str, *, count: bool = True,
                detail: str = "") -> NoReturn:
        """Count and audit a refused sign-in, then refuse it (the same answer every time)."""
        account = ""
        if user_id and count:
            with self._users() as users:
                user = users.get(user_id)
            account = user.username_key if user is not None else ""
        lockouts = self._throttle.failed(account, client_ip) if self._throttle is not None and count else []
        counters.logins("failure")
        self.audit.record(AuditEvent("login.failure", user_id, source=client_ip, details={"reason": reason}))
        for kind, seconds in lockouts:
            self.audit.record(AuditEvent("login.lockout", user_id, source=client_ip, details={
                "scope": "account" if kind == "acct" else "address", "seconds": seconds}))
        raise PasskeyRefused(detail=detail or reason, subject=user_id)
