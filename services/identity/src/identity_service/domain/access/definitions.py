"""ListRoles, PutRole, DeleteRole, ListGroups, PutGroup, DeleteGroup: the definitions.

A put that changes nothing answers changed=false and writes no audit row, so applying one
configuration twice leaves no trace. Deleting removes the role or group from every holder
(the foreign keys cascade) and bumps those users' versions: what an administrator sees of
them changed.
"""

from __future__ import annotations

from authgate_common.core.errors import InvalidRequest, NotFound

from ..acting import BY_OPERATOR, Acting
from ..ports import UserUnitOfWork
from .names import Group, Role, check_description, check_name, name_set


class AccessDefinitions:
    def __init__(self, uow: UserUnitOfWork) -> None:
        self._uow = uow

    def list_roles(self) -> list[Role]:
        with self._uow() as users:
            return users.access.list_roles()

    def list_groups(self) -> list[Group]:
        with self._uow() as users:
            return users.access.list_groups()

    def put_role(self, role: Role, by: Acting = BY_OPERATOR) -> tuple[Role, bool]:
        check_name("role", role.name)
        check_description(role.description)
        with self._uow() as users:
            current = users.access.get_role(role.name)
            if current == role:
                return role, False
            users.access.put_role(role)
            users.audit.record(by.event("role.put", role.name, created=current is None))
        return role, True

    def put_group(self, group: Group, by: Acting = BY_OPERATOR) -> tuple[Group, bool]:
        check_name("group", group.name)
        check_description(group.description)
        group = Group(group.name, group.description, name_set("role", group.roles))
        with self._uow() as users:
            missing = users.access.missing_roles(group.roles)
            if missing:
                raise InvalidRequest(f"no such role: {', '.join(missing)}")
            current = users.access.get_group(group.name)
            if current == group:
                return group, False
            users.access.put_group(group)
            users.audit.record(by.event("group.put", group.name, created=current is None,
                                        roles=list(group.roles)))
        return group, True

    def delete_role(self, name: str, by: Acting = BY_OPERATOR) -> None:
        with self._uow() as users:
            if users.access.get_role(name) is None:
                raise NotFound("role not found")
            users.access.touch_holders(role=name)
            users.access.delete_role(name)
            users.audit.record(by.event("role.deleted", name))

    def delete_group(self, name: str, by: Acting = BY_OPERATOR) -> None:
        with self._uow() as users:
            if users.access.get_group(name) is None:
                raise NotFound("group not found")
            users.access.touch_holders(group=name)
            users.access.delete_group(name)
            users.audit.record(by.event("group.deleted", name))
