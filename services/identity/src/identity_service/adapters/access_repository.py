"""Role and group definitions in SQL (domain/access/ports.py). Deleting relies on the
foreign keys' ON DELETE CASCADE to remove the links."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, Table, delete, insert, select, update
from sqlalchemy.orm import Session

from ..domain.access.names import Group, Role
from .tables import group_roles, groups, roles, user_groups, user_roles, users


class SqlAccessRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def list_roles(self) -> list[Role]:
        rows = self._s.execute(select(roles.c.name, roles.c.description).order_by(roles.c.name))
        return [Role(name, description) for name, description in rows]

    def get_role(self, name: str) -> Role | None:
        row = self._s.execute(select(roles.c.name, roles.c.description).where(roles.c.name == name)).first()
        return Role(row[0], row[1]) if row else None

    def put_role(self, role: Role) -> None:
        self._upsert(roles, role.name, role.description)

    def delete_role(self, name: str) -> bool:
        return self._delete(roles, name)

    def list_groups(self) -> list[Group]:
        return self._groups(None)

    def get_group(self, name: str) -> Group | None:
        found = self._groups(name)
        return found[0] if found else None

    def put_group(self, group: Group) -> None:
        self._upsert(groups, group.name, group.description)
        self._s.execute(delete(group_roles).where(group_roles.c.group_name == group.name))
        if group.roles:
            rows = [{"group_name": group.name, "role_name": r} for r in group.roles]
            self._s.execute(insert(group_roles), rows)

    def delete_group(self, name: str) -> bool:
        return self._delete(groups, name)

    def missing_roles(self, names: Sequence[str]) -> list[str]:
        return self._missing(roles, names)

    def missing_groups(self, names: Sequence[str]) -> list[str]:
        return self._missing(groups, names)

    def roles_of_groups(self, names: Iterable[str]) -> set[str]:
        query = select(group_roles.c.role_name).where(group_roles.c.group_name.in_(list(names)))
        return set(self._s.execute(query).scalars())

    def touch_holders(self, *, role: str | None = None, group: str | None = None) -> None:
        link, column, name = ((user_roles, user_roles.c.role_name, role) if role is not None
                              else (user_groups, user_groups.c.group_name, group))
        holders = select(link.c.user_id).where(column == name)
        self._s.execute(update(users).where(users.c.id.in_(holders)).values(version=users.c.version + 1))

    def _groups(self, name: str | None) -> list[Group]:
        query = select(groups.c.name, groups.c.description).order_by(groups.c.name)
        links = select(group_roles.c.group_name, group_roles.c.role_name).order_by(group_roles.c.role_name)
        if name is not None:
            query, links = query.where(groups.c.name == name), links.where(group_roles.c.group_name == name)
        held: dict[str, list[str]] = {}
        for group_name, role_name in self._s.execute(links):
            held.setdefault(group_name, []).append(role_name)
        return [Group(n, d, tuple(held.get(n, ()))) for n, d in self._s.execute(query)]

    def _upsert(self, table: Table, name: str, description: str) -> None:
        changed = self._s.execute(update(table).where(table.c.name == name).values(description=description))
        if not cast(CursorResult[Any], changed).rowcount:
            self._s.execute(insert(table).values(name=name, description=description))

    def _delete(self, table: Table, name: str) -> bool:
        result = cast(CursorResult[Any], self._s.execute(delete(table).where(table.c.name == name)))
        return bool(result.rowcount)

    def _missing(self, table: Table, names: Sequence[str]) -> list[str]:
        # FOR SHARE: a concurrent delete waits until this transaction has written its links.
        query = select(table.c.name).where(table.c.name.in_(list(names))).with_for_update(read=True)
        found = set(self._s.execute(query).scalars())
        return sorted(set(names) - found)
