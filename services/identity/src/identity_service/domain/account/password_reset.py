"""Password reset by an emailed link (OWASP Forgot Password Cheat Sheet; NIST SP 800-63B
§6.1.2.3 account recovery).

`RequestPasswordReset.accept` runs while the person waits and is the same for every
address, registered or not: the shape of the input, the mail limits, then the same
answer. `deliver` runs afterwards in the background: a live account gets a link holding a
single-use token (tokens.py) valid for PASSWORD_RESET_TTL_SECONDS; an unknown or disabled
address gets nothing. A newer link retires the older ones.

`ResetPassword` sets the new password from a link: the token is consumed in the same
transaction as the password changes (two racing submissions: one wins), every other
outstanding link dies with it, and afterwards every session of the user is ended, so a
person who took over the account with the old password is out too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from authgate_common.core.audit import AuditEvent

from ..create_user import check_email
from ..passwords import PasswordHasher, check_new_password
from ..text import email_key, username_key
from ..throttle import LoginThrottle
from ..users import User
from .courier import Courier
from .mail_limit import MailLimit
from .ports import PASSWORD_RESET, AccountUnitOfWork, Letter, Links, SessionEnder
from .tokens import InvalidLink, LinkTokens

log = logging.getLogger(__name__)


class RequestPasswordReset:
    def __init__(self, uow: AccountUnitOfWork, tokens: LinkTokens, courier: Courier, links: Links,
                 limit: MailLimit | None, ttl_seconds: int) -> None:
        self._uow, self._tokens, self._courier, self._links = uow, tokens, courier, links
        self._limit, self._ttl = limit, ttl_seconds

    def accept(self, email: str, client_ip: str) -> bool:
        """Whether to `deliver` (False past the account's mail limit); InvalidRequest for
        what is no address, TooManyRequests past the address's limit, 404 without mail."""
        self._courier.require_ready()
        check_email(email.strip())
        return self._limit is None or self._limit.allow(email_key(email.strip()), client_ip)

    def deliver(self, email: str, client_ip: str, locale: str) -> None:
        """In the background: mail a reset link if the address belongs to a live account."""
        now = self._tokens.now()
        with self._uow() as store:
            user = store.users.get_by_email_key(email_key(email.strip()))
            if user is None or user.disabled:
                log.info("password reset asked for an address with no live account")
                return
            raw, token = self._tokens.mint(PASSWORD_RESET, user, self._ttl)
            store.tokens.retire(user.id, PASSWORD_RESET, now)
            store.tokens.add(token)
            store.audit.record(AuditEvent("password.reset_requested", user.id, source=client_ip))
        self._courier.send(Letter("password_reset", user.email, user.username, locale,
                                  link=self._links.password_reset(raw), valid_minutes=self._ttl // 60),
                           user.id)


@dataclass(frozen=True)
class PasswordReset:
    user: User
    sessions_ended: bool


class ResetPassword:
    def __init__(self, uow: AccountUnitOfWork, tokens: LinkTokens, hasher: PasswordHasher,
                 min_password_length: int, sessions: SessionEnder, throttle: LoginThrottle | None) -> None:
        self._uow, self._tokens, self._hasher, self._min = uow, tokens, hasher, min_password_length
        self._sessions, self._throttle = sessions, throttle

    def check(self, raw: str) -> User:
        """The link's user, while the link can still be used (the form is shown); else InvalidLink."""
        token_hash = self._tokens.hash(raw)
        with self._uow() as store:
            token = store.tokens.find(token_hash, PASSWORD_RESET)
            user = store.users.get(token.user_id) if token is not None else None
        if token is None or not token.usable(self._tokens.now()) or user is None or user.disabled:
            raise InvalidLink()
        return user

    def __call__(self, raw: str, new_password: str, client_ip: str) -> PasswordReset:
        user = self.check(raw)
        check_new_password(new_password, user.username, self._min)  # the link stays usable
        password_hash = self._hasher.hash(new_password)  # before the transaction: no connection held
        now = self._tokens.now()
        with self._uow() as store:
            token = store.tokens.consume(self._tokens.hash(raw), PASSWORD_RESET, now)
            current = store.users.get(token.user_id, for_update=True) if token is not None else None
            if current is None or current.disabled:
                raise InvalidLink()
            user = replace(current, password_hash=password_hash, updated_at=now, version=current.version + 1)
            store.users.save(user)
            store.tokens.retire(user.id, PASSWORD_RESET, now)
            store.audit.record(AuditEvent("password.reset", user.id, user.id, source=client_ip))
        if self._throttle is not None:  # the lockout a forgotten password ran into ends here
            self._throttle.unlock(username_key(user.username))
        return PasswordReset(user, end_sessions(self._sessions, user.id))


def end_sessions(sessions: SessionEnder, user_id: str, keep_sid: str = "") -> bool:
    """End the user's sessions (but `keep_sid`); False, logged, when the session service
    could not: the password is changed either way, the page says to sign out by hand."""
    try:
        sessions.revoke_user_sessions(user_id, keep_sid=keep_sid)
    except Exception as exc:  # noqa: BLE001 - reported to the person, never a 500
        log.warning("sessions of user %s not ended after a password change: %s", user_id, exc)
        return False
    return True
