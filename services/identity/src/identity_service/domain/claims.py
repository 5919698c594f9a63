"""GetUserClaims: the OpenID Connect claims a set of scopes grants, and claims by name.

OIDC Core §5.4: `profile` → name, preferred_username, given_name, family_name,
updated_at (seconds since the epoch, §5.1); `email` → email, email_verified. `sub` is
always present. Further claims are asked for by name (the token service reads which names
a scope releases from the catalogue): one of those standard claims, `roles` (the user's
direct roles and their groups' roles, sorted, unique), `groups`, or one of the user's
attributes; a name the user has no value for is left out. Empty strings and empty
arrays are omitted rather than sent empty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .directory import Directory
from .ports import UserUnitOfWork
from .users import User

_STANDARD: dict[str, Callable[[User], Any]] = {
    "name": lambda u: u.name,
    "preferred_username": lambda u: u.username,
    "given_name": lambda u: u.given_name,
    "family_name": lambda u: u.family_name,
    "updated_at": lambda u: int(u.updated_at.timestamp()),
    "email": lambda u: u.email,
    "email_verified": lambda u: u.email_verified if u.email else "",
}
BY_SCOPE = {
    "profile": ("name", "preferred_username", "given_name", "family_name", "updated_at"),
    "email": ("email", "email_verified"),
}


def user_claims(user: User, scopes: Sequence[str], names: Iterable[str] = (),
                group_roles: Iterable[str] = ()) -> dict[str, Any]:
    """`group_roles`: the roles of the user's groups (needed only when `roles` is named)."""
    wanted = [n for scope in scopes for n in BY_SCOPE.get(scope, ())] + list(names)
    claims: dict[str, Any] = {"sub": user.id}
    for name in wanted:
        if name in claims:
            continue
        if name in _STANDARD:
            claims[name] = _STANDARD[name](user)
        elif name == "roles":
            claims[name] = sorted(set(user.roles) | set(group_roles))
        elif name == "groups":
            claims[name] = list(user.groups)
        elif name in user.attributes:
            claims[name] = user.attributes[name]
    return {k: v for k, v in claims.items() if v != "" and v != []}


class UserClaims:
    def __init__(self, uow: UserUnitOfWork, directory: Directory) -> None:
        self._uow, self._directory = uow, directory

    def __call__(self, user_id: str, scopes: Sequence[str], names: Sequence[str] = ()) -> dict[str, Any]:
        user = self._directory.get(user_id)
        group_roles: set[str] = set()
        if "roles" in names and user.groups:
            with self._uow() as users:
                group_roles = users.access.roles_of_groups(user.groups)
        return user_claims(user, scopes, names, group_roles)
