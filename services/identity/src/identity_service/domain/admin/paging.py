"""Listing users a page at a time, by an opaque cursor (keyset paging,
authgate_common.core.admin_api). Filters are exact, caseless matches on the username or
email (the same match that keeps them unique) and on `disabled`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from authgate_common.core.admin_api import Position

from ..users import User


@dataclass(frozen=True)
class UserQuery:
    after: Position | None = None
    username_key: str | None = None
    email_key: str | None = None
    disabled: bool | None = None


@dataclass(frozen=True)
class Page:
    users: list[User] = field(default_factory=list)
    next_cursor: str | None = None


def position_of(user: User) -> Position:
    return Position(user.created_at, user.id)
