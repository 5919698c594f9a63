"""Listing users a page at a time, by an opaque cursor (keyset paging).

Users are listed oldest first, by (created_at, id): a page ends at a position and the
next one starts strictly after it, so a user created or deleted meanwhile neither shifts
nor repeats the others. The cursor is that position, base64url-encoded; it means nothing
else and a client should not build one. Filters are exact, caseless matches on the
username or email (the same match that keeps them unique) and on `disabled`.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from authgate_common.core.errors import InvalidRequest

from ..users import User

DEFAULT_PAGE, MAX_PAGE = 50, 200
MAX_CURSOR = 96
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_POSITION = re.compile(r"(\d{1,19})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Position:
    created_at: datetime
    id: str


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


def encode_cursor(position: Position) -> str:
    micros = (position.created_at - EPOCH) // _MICROSECOND
    return base64.urlsafe_b64encode(f"{micros}.{position.id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Position:
    bad = InvalidRequest("cursor is not one this API returned")
    if len(cursor) > MAX_CURSOR:
        raise bad
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        match = _POSITION.fullmatch(text)
        if match is None:
            raise bad
        return Position(EPOCH + int(match.group(1)) * _MICROSECOND, match.group(2))
    except (binascii.Error, ValueError, OverflowError) as exc:
        raise bad from exc


def check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidRequest(f"limit must be between 1 and {MAX_PAGE}")
