"""An in-memory IdentityService that also keeps roles, groups and users' access (the real
one: services/identity domain/access), for the `role`, `group` and `user access` commands."""

from __future__ import annotations

import json

from authgate.identity.v1 import identity_pb2 as pb
from authgate_common.core.errors import InvalidRequest, NotFound
from cli_fakes import FakeIdentity


class FakeIdentityAccess(FakeIdentity):
    def __init__(self) -> None:
        super().__init__()
        self.roles: dict[str, pb.Role] = {}
        self.groups: dict[str, pb.Group] = {}

    def ListRoles(self, request, context):  # noqa: N802
        return pb.ListRolesResponse(roles=[self.roles[n] for n in sorted(self.roles)])

    def PutRole(self, request, context):  # noqa: N802
        if " " in request.role.name or not request.role.name:
            raise InvalidRequest("a role name is 1 to 64 letters, digits or . _ : -")
        changed = self.roles.get(request.role.name) != request.role
        self.roles[request.role.name] = pb.Role(name=request.role.name, description=request.role.description)
        return pb.PutRoleResponse(role=request.role, changed=changed)

    def DeleteRole(self, request, context):  # noqa: N802
        if self.roles.pop(request.name, None) is None:
            raise NotFound("role not found")
        return pb.DeleteRoleResponse()

    def ListGroups(self, request, context):  # noqa: N802
        return pb.ListGroupsResponse(groups=[self.groups[n] for n in sorted(self.groups)])

    def PutGroup(self, request, context):  # noqa: N802
        missing = sorted(set(request.group.roles) - set(self.roles))
        if missing:
            raise InvalidRequest(f"no such role: {', '.join(missing)}")
        group = pb.Group(name=request.group.name, description=request.group.description,
                         roles=sorted(set(request.group.roles)))
        changed = self.groups.get(group.name) != group
        self.groups[group.name] = group
        return pb.PutGroupResponse(group=group, changed=changed)

    def DeleteGroup(self, request, context):  # noqa: N802
        if self.groups.pop(request.name, None) is None:
            raise NotFound("group not found")
        return pb.DeleteGroupResponse()

    def SetUserAccess(self, request, context):  # noqa: N802
        user = self.users.get(request.user_id)
        if user is None:
            raise NotFound("user not found")
        before = pb.User()
        before.CopyFrom(user)
        if request.set_roles:
            if set(request.roles) - set(self.roles):
                raise InvalidRequest("no such role")
            user.ClearField("roles")
            user.roles.extend(sorted(set(request.roles)))
        if request.set_groups:
            if set(request.groups) - set(self.groups):
                raise InvalidRequest("no such group")
            user.ClearField("groups")
            user.groups.extend(sorted(set(request.groups)))
        if request.set_attributes:
            user.attributes_json = json.dumps(json.loads(request.attributes_json or "{}"), sort_keys=True)
        return pb.SetUserAccessResponse(user=user, changed=user != before)
