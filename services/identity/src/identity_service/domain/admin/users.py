"""The admin API's user use cases: list, create, read, change, disable/enable, unlock,
set a password, delete.

Every change reads the row locked, checks the caller's If-Match against it, writes the
next version and its audit row in one transaction (`admin.user.<action>`, the acting
client). Deleting first disables the user and ends their sessions (the session service;
tokens bound to those sessions die with them), then removes the row: if the sessions
cannot be ended the user stays, disabled, and a retry finishes the job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from authgate_common.core.admin_api import UUID_ID, IfMatch, check, check_limit, decode_cursor, encode_cursor
from authgate_common.core.errors import AlreadyExists, NotFound

from ..acting import Acting
from ..create_user import CreateUser, NewUser, check_display, check_email
from ..directory import Directory, canonical_id
from ..passwords import PasswordHasher, check_new_password
from ..ports import UserRepository, UserUnitOfWork
from ..text import email_key, is_identifier, username_key
from ..users import User
from ..verify_password import VerifyPassword
from .paging import Page, UserQuery, position_of

PROFILE_FIELDS = ("name", "given_name", "family_name")


@dataclass(frozen=True)
class ProfileChanges:
    """What a PATCH may change; None leaves a field as it is."""

    email: str | None = None
    email_verified: bool | None = None
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    mfa_required: bool | None = None  # every sign-in needs a second factor (domain/mfa)


def _keys(value: str | None, key: Callable[[str], str]) -> str | None:
    return None if value is None else key(value)


class UserAdmin:
    def __init__(self, uow: UserUnitOfWork, directory: Directory, create_user: CreateUser,
                 verify: VerifyPassword, hasher: PasswordHasher, min_password_length: int,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._uow, self._directory, self._create = uow, directory, create_user
        self._verify, self._hasher, self._min, self._now = verify, hasher, min_password_length, now

    def list(self, *, limit: int, cursor: str | None = None, username: str | None = None,
             email: str | None = None, disabled: bool | None = None) -> Page:
        check_limit(limit)
        after = decode_cursor(cursor, UUID_ID) if cursor else None
        if any(v is not None and not is_identifier(v) for v in (username, email)):
            return Page()  # no stored username or email holds such text
        query = UserQuery(after=after, username_key=_keys(username, username_key),
                          email_key=_keys(email, email_key), disabled=disabled)
        with self._uow() as users:
            rows = users.page(query, limit + 1)
        more = len(rows) > limit
        rows = list(rows[:limit])
        return Page(rows, encode_cursor(position_of(rows[-1])) if more else None)

    def create(self, new: NewUser, by: Acting) -> User:
        return self._create(new, by)

    def get(self, user_id: str) -> User:
        return self._directory.get(user_id)

    def update(self, user_id: str, changes: ProfileChanges, if_match: IfMatch | None, by: Acting) -> User:
        if changes.email is not None:
            check_email(changes.email)
        for field in PROFILE_FIELDS:
            value = getattr(changes, field)
            if value is not None:
                check_display(field, value)

        def apply(user: User, users: UserRepository) -> tuple[User, dict[str, Any]]:
            fields: dict[str, Any] = {f: getattr(changes, f) for f in PROFILE_FIELDS
                                      if getattr(changes, f) is not None}
            if changes.email is not None and changes.email != user.email:
                fields["email"] = changes.email
                if email_key(changes.email) != user.email_key:
                    taken = users.get_by_email_key(email_key(changes.email))
                    if taken is not None and taken.id != user.id:
                        raise AlreadyExists("email is already registered")
                    fields["email_verified"] = False  # a new address is unverified until said
            if changes.email_verified is not None:
                fields["email_verified"] = changes.email_verified
            if changes.mfa_required is not None:
                fields["mfa_required"] = changes.mfa_required
            changed = {f: v for f, v in fields.items() if getattr(user, f) != v}
            return replace(user, **changed), {"fields": sorted(changed)}

        return self._change(user_id, if_match, by, "updated", apply)

    def disable(self, user_id: str, if_match: IfMatch | None, by: Acting) -> User:
        return self._directory.disable(user_id, by, lambda user: check(if_match, user))

    def enable(self, user_id: str, if_match: IfMatch | None, by: Acting) -> User:
        return self._change(user_id, if_match, by, "enabled",
                            lambda user, _users: (replace(user, disabled=False), {}))

    def unlock(self, user_id: str, if_match: IfMatch | None, by: Acting) -> User:
        user = self._directory.get(user_id)
        check(if_match, user)
        self._verify.unlock(user, by)
        return user

    def set_password(self, user_id: str, password: str, if_match: IfMatch | None, by: Acting) -> User:
        user = self._directory.get(user_id)
        check_new_password(password, user.username, self._min)
        password_hash = self._hasher.hash(password)  # before the transaction: no connection held
        return self._change(user_id, if_match, by, "password_set",
                            lambda user, _users: (replace(user, password_hash=password_hash), {}),
                            touch=False)

    def delete(self, user_id: str, if_match: IfMatch | None, by: Acting) -> None:
        with self._uow() as users:
            user = self._locked(users, user_id)
            check(if_match, user)
            if not user.disabled:  # no new session can start while the old ones are ended
                users.save(replace(user, disabled=True, version=user.version + 1))
        self._directory.end_sessions(user)
        with self._uow() as users:
            if users.delete(user.id):
                users.audit.record(by.event("user.deleted", user.id, username=user.username))

    def _locked(self, users: UserRepository, user_id: str) -> User:
        key = canonical_id(user_id)
        user = users.get(key, for_update=True) if key else None
        if user is None:
            raise NotFound("user not found")
        return user

    def _change(self, user_id: str, if_match: IfMatch | None, by: Acting, action: str,
                apply: Callable[[User, UserRepository], tuple[User, dict[str, Any]]],
                *, touch: bool = True) -> User:
        with self._uow() as users:
            user = self._locked(users, user_id)
            check(if_match, user)
            changed, details = apply(user, users)
            if changed == user:
                return user
            changed = replace(changed, version=user.version + 1,
                              updated_at=self._now() if touch else user.updated_at)
            users.save(changed)
            users.audit.record(by.event(f"user.{action}", user.id, **details))
        return changed
