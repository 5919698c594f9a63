"""Password change by a signed-in user (NIST SP 800-63B §5.1.1.2; OWASP ASVS V2.1.5-6):
the current password is required, and checked like a login (domain/verify_password.py:
wrong ones count towards the lockout and are audited); the new one meets the same rules
as at creation. Outstanding reset links die with the old password. The person may end
every other session at once (SessionService.RevokeUserSessions with keep_sid): the
session they are using stays.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from authgate_common.core.audit import AuditEvent
from authgate_common.core.errors import AccessDenied, InvalidRequest

from ..passwords import PasswordHasher, check_new_password
from ..users import User
from ..verify_password import VerifyPassword
from .password_reset import end_sessions
from .ports import PASSWORD_RESET, AccountUnitOfWork, SessionEnder
from .tokens import LinkTokens


class WrongCurrentPassword(InvalidRequest):
    default_description = "Your current password is wrong."


@dataclass(frozen=True)
class PasswordChange:
    user_id: str
    sid: str  # the session the change is made from
    current_password: str
    new_password: str
    sign_out_others: bool = False


@dataclass(frozen=True)
class PasswordChanged:
    user: User
    others_ended: bool  # False when asked but the session service could not


class ChangePassword:
    def __init__(self, uow: AccountUnitOfWork, tokens: LinkTokens, verify: VerifyPassword,
                 hasher: PasswordHasher, min_password_length: int, sessions: SessionEnder) -> None:
        self._uow, self._tokens, self._verify, self._hasher = uow, tokens, verify, hasher
        self._min, self._sessions = min_password_length, sessions

    def __call__(self, change: PasswordChange, client_ip: str) -> PasswordChanged:
        with self._uow() as store:
            user = store.users.get(change.user_id)
        if user is None or user.disabled:
            raise AccessDenied("This account cannot change its password.")
        if self._verify(user.username, change.current_password, client_ip) is None:
            raise WrongCurrentPassword()
        check_new_password(change.new_password, user.username, self._min)
        password_hash = self._hasher.hash(change.new_password)
        now = self._tokens.now()
        with self._uow() as store:
            current = store.users.get(user.id, for_update=True)
            if current is None or current.disabled:
                raise AccessDenied("This account cannot change its password.")
            user = replace(current, password_hash=password_hash, updated_at=now, version=current.version + 1)
            store.users.save(user)
            store.tokens.retire(user.id, PASSWORD_RESET, now)
            store.audit.record(AuditEvent("password.changed", user.id, user.id, sid=change.sid,
                                          source=client_ip,
                                          details={"sign_out_others": change.sign_out_others}))
        ended = change.sign_out_others and end_sessions(self._sessions, user.id, keep_sid=change.sid)
        return PasswordChanged(user, others_ended=ended)
