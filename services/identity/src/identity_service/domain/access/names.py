"""Role and group definitions and the rule for their names: letters, digits and `._:-`,
at most 64 characters (names travel in the `roles`/`groups` claims and on command lines)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from authgate_common.core.errors import InvalidRequest

from ..text import is_display_text

MAX_NAME = 64
MAX_DESCRIPTION = 512
MAX_LINKS = 256  # roles of a group, roles or groups of a user
_NAME = re.compile(r"[A-Za-z0-9._:-]{1,64}")


@dataclass(frozen=True)
class Role:
    name: str
    description: str = ""


@dataclass(frozen=True)
class Group:
    name: str
    description: str = ""
    roles: tuple[str, ...] = ()


def is_name(name: str) -> bool:
    return _NAME.fullmatch(name) is not None


def check_name(kind: str, name: str) -> None:
    if not is_name(name):
        raise InvalidRequest(f"a {kind} name is 1 to {MAX_NAME} letters, digits or . _ : -")


def check_description(description: str) -> None:
    if len(description) > MAX_DESCRIPTION or not is_display_text(description):
        raise InvalidRequest(f"a description is at most {MAX_DESCRIPTION} printable characters")


def name_set(kind: str, names: Iterable[str]) -> tuple[str, ...]:
    """Checked, unique and sorted: the stored form of a list of role or group names."""
    unique = sorted(set(names))
    for name in unique:
        check_name(kind, name)
    if len(unique) > MAX_LINKS:
        raise InvalidRequest(f"at most {MAX_LINKS} {kind}s")
    return tuple(unique)
