"""VerifyPassword: is this the user's password? One bcrypt verification, whoever asks.

An unknown or disabled user is checked against a dummy hash of the same cost, so the
answer takes as long as for a wrong password and says only valid=false (OWASP ASVS
V2.2, and the constant-time login of the FastAPI full-stack template). A locked
account or address (domain/throttle.py) answers the same way after the same work.
Every failure and every lockout it starts is audited with its reason; the username
typed is not (it may be a password typed in the wrong field), only a known user's id.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from authgate_common.core.audit import AuditEvent, StandaloneAudit

from .acting import BY_OPERATOR, Acting
from .mfa.second_factor import throttle_account
from .passwords import PasswordHasher
from .ports import UserUnitOfWork
from .text import is_identifier, username_key
from .throttle import LoginThrottle
from .users import User

log = logging.getLogger(__name__)


class VerifyPassword:
    def __init__(self, uow: UserUnitOfWork, hasher: PasswordHasher,
                 throttle: LoginThrottle | None = None) -> None:
        self._uow = uow
        self._hasher = hasher
        self._throttle = throttle
        self.audit = StandaloneAudit(uow)  # events that change nothing else: their own transaction

    def __call__(self, username: str, password: str, client_ip: str = "") -> User | None:
        account = username_key(username) if username and is_identifier(username) else ""
        locked = self._throttle is not None and self._throttle.is_locked(account, client_ip)
        user = None if locked else self._find(username)
        live = user is not None and not user.disabled
        stored = user.password_hash if user is not None and live else self._hasher.dummy_hash
        # The database transaction is closed before bcrypt runs: no connection held ~250 ms.
        matched = self._hasher.verify(password, stored)
        if not (matched and live and user is not None):
            log.info("password login failed from %s%s", client_ip or "-", " (locked)" if locked else "")
            lockouts = self._throttle.failed(account, client_ip) if self._throttle and not locked else []
            self._audit_failure(username, user, locked, client_ip, lockouts)
            return None
        if self._throttle is not None:
            self._throttle.succeeded(account)
        if self._hasher.needs_update(user.password_hash):
            user = self._rehash(user, password)
        return user

    def unlock(self, user: User, by: Acting = BY_OPERATOR) -> None:
        """An operator lifts the account's lockouts (password and second factor) and clears
        their failure counts."""
        if self._throttle is not None:
            self._throttle.unlock(username_key(user.username))
            self._throttle.unlock(throttle_account(user))  # the second factor's own count
        self.audit.record(by.event("user.unlocked", user.id))

    def _audit_failure(self, username: str, user: User | None, locked: bool, client_ip: str,
                       lockouts: list[tuple[str, int]]) -> None:
        reason = ("locked" if locked else "unknown_user" if user is None
                  else "disabled" if user.disabled else "wrong_password")
        # A locked attempt skipped the lookup (before bcrypt, to time like the others).
        known = user or (self._find(username) if locked else None)
        subject = known.id if known is not None else ""
        self.audit.record(AuditEvent("login.failure", subject, source=client_ip, details={"reason": reason}))
        for kind, seconds in lockouts:
            self.audit.record(AuditEvent("login.lockout", subject, source=client_ip, details={
                "scope": "account" if kind == "acct" else "address", "seconds": seconds}))

    def _find(self, username: str) -> User | None:
        # Text no username can contain (NUL, lone surrogates…) is simply an unknown user.
        if not username or not is_identifier(username):
            return None
        with self._uow() as users:
            return users.get_by_username_key(username_key(username))

    def _rehash(self, user: User, password: str) -> User:
        """The cost setting was raised: upgrade the hash now that we hold the password."""
        new_hash = self._hasher.hash(password)
        with self._uow() as users:
            # The row as it is now (an administrator may have changed it meanwhile), unless
            # its password changed too; updated_at and the version are for what people see.
            current = users.get(user.id, for_update=True)
            if current is None or current.password_hash != user.password_hash:
                return user
            upgraded = replace(current, password_hash=new_hash)
            users.save(upgraded)
        return upgraded
