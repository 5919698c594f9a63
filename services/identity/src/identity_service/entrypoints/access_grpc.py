"""IdentityService's roles, groups and SetUserAccess methods (domain/access), mixed into
the servicer of grpc_api.py. The operator calls them; each change is audited."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from authgate.identity.v1 import identity_pb2 as pb
from authgate_common.grpc_access import OPERATOR

from ..domain.access.attributes import parse_attributes
from ..domain.access.definitions import AccessDefinitions
from ..domain.access.names import Group, Role
from ..domain.access.user_access import AccessChange, SetUserAccess
from .user_wire import user_message

ACCESS_METHODS = {name: OPERATOR for name in (
    "SetUserAccess", "ListRoles", "PutRole", "DeleteRole", "ListGroups", "PutGroup", "DeleteGroup")}


@dataclass(frozen=True)
class AccessUseCases:
    definitions: AccessDefinitions
    set_access: SetUserAccess


def _role(role: Role) -> pb.Role:
    return pb.Role(name=role.name, description=role.description)


def _group(group: Group) -> pb.Group:
    return pb.Group(name=group.name, description=group.description, roles=list(group.roles))


class AccessMethods:
    _access: AccessUseCases  # set by the servicer

    def SetUserAccess(self, request: pb.SetUserAccessRequest, context: grpc.ServicerContext):  # type: ignore[no-untyped-def]  # noqa: N802
        change = AccessChange(
            roles=tuple(request.roles) if request.set_roles else None,
            groups=tuple(request.groups) if request.set_groups else None,
            attributes=parse_attributes(request.attributes_json) if request.set_attributes else None)
        user, changed = self._access.set_access(request.user_id, change)
        return pb.SetUserAccessResponse(user=user_message(user), changed=changed)

    def ListRoles(self, request: pb.ListRolesRequest, context: grpc.ServicerContext):  # type: ignore[no-untyped-def]  # noqa: N802
        return pb.ListRolesResponse(roles=[_role(r) for r in self._access.definitions.list_roles()])

    def PutRole(self, request: pb.PutRoleRequest, context: grpc.ServicerContext):  # type: ignore[no-untyped-def]  # noqa: N802
        role, changed = self._access.definitions.put_role(Role(request.role.name, request.role.description))
        return pb.PutRoleResponse(role=_role(role), changed=changed)

    def DeleteRole(self, request: pb.DeleteRoleRequest, context: grpc.ServicerContext):  # type: ignore[no-untyped-def]  # noqa: N802
        self._access.definitions.delete_role(request.name)
        return pb.DeleteRoleResponse()

    def ListGroups(self, request: pb.ListGroupsRequest, context: grpc.ServicerContext):  # type: ignore[no-untyped-def]  # noqa: N802
        return pb.ListGroupsResponse(groups=[_group(g) for g in self._access.definitions.list_groups()])

    def PutGroup(self, request: pb.PutGroupRequest, context: grpc.ServicerContext):  # type: ignore[no-untyped-def]  # noqa: N802
        g = request.group
        group, changed = self._access.definitions.put_group(Group(g.name, g.description, tuple(g.roles)))
        return pb.PutGroupResponse(group=_group(group), changed=changed)

    def DeleteGroup(self, request: pb.DeleteGroupRequest, context: grpc.ServicerContext):  # type: ignore[no-untyped-def]  # noqa: N802
        self._access.definitions.delete_group(request.name)
        return pb.DeleteGroupResponse()
