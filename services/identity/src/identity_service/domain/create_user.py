"""CreateUser: register a user after checking the identifier and password rules."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from authgate_common.core.errors import AlreadyExists, InvalidRequest

from .acting import BY_OPERATOR, Acting
from .passwords import PasswordHasher, check_new_password
from .ports import UserUnitOfWork
from .text import email_key, is_display_text, is_identifier, username_key
from .users import User

MAX_USERNAME = 150
MAX_EMAIL = 254  # RFC 5321 §4.5.3.1.3 path limit minus the angle brackets
MAX_KEY = 255
MAX_NAME = 255


@dataclass(frozen=True)
class NewUser:
    username: str
    email: str
    password: str
    name: str = ""
    given_name: str = ""
    family_name: str = ""
    email_verified: bool = False


def check_username(username: str) -> None:
    if not username or username != username.strip():
        raise InvalidRequest("username must be non-empty, without leading or trailing spaces")
    if not is_identifier(username):
        raise InvalidRequest("username contains control or invisible characters")
    if len(username) > MAX_USERNAME or len(username_key(username)) > MAX_KEY:
        raise InvalidRequest(f"username longer than {MAX_USERNAME} characters")


def check_email(email: str) -> None:
    local, at, domain = email.rpartition("@")
    if not at or not local or not domain or "." not in domain.strip(".") or any(
            ch.isspace() for ch in email):
        raise InvalidRequest("email is not a valid address")
    if not is_identifier(email):
        raise InvalidRequest("email contains control or invisible characters")
    if len(email) > MAX_EMAIL or len(email_key(email)) > MAX_KEY:
        raise InvalidRequest(f"email longer than {MAX_EMAIL} characters")


def check_display(field: str, value: str) -> None:
    if len(value) > MAX_NAME or not is_display_text(value):
        raise InvalidRequest(f"{field} must be at most {MAX_NAME} printable characters")


class CreateUser:
    def __init__(self, uow: UserUnitOfWork, hasher: PasswordHasher, min_password_length: int,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._uow = uow
        self._hasher = hasher
        self._min = min_password_length
        self._now = now

    def __call__(self, new: NewUser, by: Acting = BY_OPERATOR) -> User:
        check_username(new.username)
        check_email(new.email)
        for field in ("name", "given_name", "family_name"):
            check_display(field, getattr(new, field))
        check_new_password(new.password, new.username, self._min)
        # Hash before the transaction opens: no connection is held during bcrypt.
        password_hash = self._hasher.hash(new.password)
        now = self._now()
        user = User(id=str(uuid.uuid4()), username=new.username, email=new.email,
                    password_hash=password_hash, created_at=now, updated_at=now,
                    email_verified=new.email_verified, name=new.name, given_name=new.given_name,
                    family_name=new.family_name)
        with self._uow() as users:
            if users.get_by_username_key(user.username_key) is not None:
                raise AlreadyExists("username is already taken")
            if users.get_by_email_key(user.email_key) is not None:
                raise AlreadyExists("email is already registered")
            users.add(user)  # a concurrent twin still fails here, on the unique index
            users.audit.record(by.event("user.created", user.id, username=user.username))
        return user
