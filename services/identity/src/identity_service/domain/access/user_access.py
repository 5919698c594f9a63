"""SetUserAccess: replace a user's direct roles, groups or attributes (those given).

The names must exist (`invalid_request` otherwise) and stay locked until the change
commits, so a role deleted meanwhile cannot leave a dangling grant. A change bumps the
user's version (the admin API's ETag) and is audited as `user.access_changed`; no change
writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from authgate_common.core.admin_api import IfMatch, check
from authgate_common.core.errors import InvalidRequest, NotFound

from ..acting import BY_OPERATOR, Acting
from ..directory import canonical_id
from ..ports import UserUnitOfWork
from ..users import User
from .attributes import check_attributes
from .names import name_set

T = TypeVar("T")


@dataclass(frozen=True)
class AccessChange:
    """None leaves that part as it is."""

    roles: tuple[str, ...] | None = None
    groups: tuple[str, ...] | None = None
    attributes: Mapping[str, Any] | None = None

    def checked(self) -> AccessChange:
        return AccessChange(
            roles=None if self.roles is None else name_set("role", self.roles),
            groups=None if self.groups is None else name_set("group", self.groups),
            attributes=None if self.attributes is None else check_attributes(self.attributes))


def _either(new: T | None, old: T) -> T:
    return old if new is None else new


class SetUserAccess:
    def __init__(self, uow: UserUnitOfWork, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._uow, self._now = uow, now

    def __call__(self, user_id: str, change: AccessChange, by: Acting = BY_OPERATOR,
                 if_match: IfMatch | None = None) -> tuple[User, bool]:
        change = change.checked()
        key = canonical_id(user_id)
        with self._uow() as users:
            user = users.get(key, for_update=True) if key else None
            if user is None:
                raise NotFound("user not found")
            check(if_match, user)
            for kind, names, missing in (("role", change.roles, users.access.missing_roles),
                                         ("group", change.groups, users.access.missing_groups)):
                unknown = missing(names) if names else []
                if unknown:
                    raise InvalidRequest(f"no such {kind}: {', '.join(unknown)}")
            changed = replace(user, roles=_either(change.roles, user.roles),
                              groups=_either(change.groups, user.groups),
                              attributes=dict(_either(change.attributes, user.attributes)))
            fields = {f: getattr(changed, f) for f in ("roles", "groups", "attributes")
                      if getattr(changed, f) != getattr(user, f)}
            if not fields:
                return user, False
            changed = replace(changed, version=user.version + 1, updated_at=self._now())
            users.save(changed)
            shown = {f: list(fields[f]) for f in ("roles", "groups") if f in fields}
            users.audit.record(by.event("user.access_changed", user.id, fields=sorted(fields), **shown))
        return changed, True
