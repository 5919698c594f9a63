"""Self-registration (SELF_REGISTRATION_ENABLED, off by default): a person creates their
own account, unverified, and is mailed a verification link (email_verification.py).

An address that is registered already gets the same answer as a new one ("check your
mail"), and its owner a note saying someone tried to register with it, so the form does
not reveal who has an account (OWASP Authentication Cheat Sheet, "Account creation").
A taken username cannot be hidden that way: a person must pick another one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from authgate_common.core.audit import AuditEvent, StandaloneAudit
from authgate_common.core.errors import AlreadyExists, InvalidRequest

from ..acting import Acting
from ..create_user import CreateUser, NewUser, check_email, check_username
from ..passwords import check_new_password
from ..text import email_key
from ..users import User
from .courier import Courier
from .email_verification import SendVerification
from .mail_limit import MailLimit
from .ports import AccountUnitOfWork, Letter, Links

# user.created's actor: nobody known yet; user.registered names the new user.
BY_SELF_REGISTRATION = Acting(actor="")


class UsernameTaken(AlreadyExists):
    default_description = "That username is taken; please choose another."


class FieldRejected(InvalidRequest):
    """A rule of one field is broken: `field` is username, email or password."""

    def __init__(self, field: str, description: str) -> None:
        super().__init__(description)
        self.field = field


def check_fields(new: NewUser, min_password_length: int) -> None:
    """The rules CreateUser applies, one field at a time, so the form can point at it."""
    for field, check in (("username", lambda: check_username(new.username)),
                         ("email", lambda: check_email(new.email)),
                         ("password", lambda: check_new_password(new.password, new.username,
                                                                 min_password_length))):
        try:
            check()
        except InvalidRequest as err:
            raise FieldRejected(field, err.description) from None


@dataclass(frozen=True)
class Registration:
    """What to mail once the person has their answer: a link to `user`, or a note to the
    owner of the address (`existing`), or nothing (a mail limit)."""

    user: User | None = None
    existing: User | None = None


class Register:
    def __init__(self, uow: AccountUnitOfWork, create_user: CreateUser, verification: SendVerification,
                 courier: Courier, links: Links, limit: MailLimit | None, min_password_length: int) -> None:
        self._uow, self._create, self._verification = uow, create_user, verification
        self._min = min_password_length
        self._courier, self._links, self._limit = courier, links, limit
        self._audit = StandaloneAudit(uow)

    def __call__(self, new: NewUser, client_ip: str) -> Registration:
        """FieldRejected, UsernameTaken, TooManyRequests, or 404 without mail."""
        self._courier.require_ready()
        check_fields(new, self._min)
        mail = self._limit is None or self._limit.allow(email_key(new.email), client_ip)
        try:
            user = self._create(replace(new, email_verified=False), BY_SELF_REGISTRATION)
        except AlreadyExists:
            with self._uow() as store:
                existing = store.users.get_by_email_key(email_key(new.email))
            if existing is None:
                raise UsernameTaken() from None
            return Registration(existing=existing if mail else None)
        self._audit.record(AuditEvent("user.registered", user.id, user.id, source=client_ip,
                                      details={"username": user.username}))
        return Registration(user=user if mail else None)

    def deliver(self, registration: Registration, client_ip: str, locale: str) -> None:
        """In the background: the verification link, or the note to the address's owner."""
        if registration.user is not None:
            self._verification.deliver(registration.user.id, client_ip, locale)
        elif registration.existing is not None and not registration.existing.disabled:
            owner = registration.existing
            self._courier.send(Letter("already_registered", owner.email, owner.username, locale,
                                      link=self._links.password_reset_request()), owner.id)
