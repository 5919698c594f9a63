"""`authgate role list|put|delete`, `authgate group list|put|delete` and
`authgate user access`: roles, groups and a user's access (identity's gRPC API).

A role is a name applications check in the `roles` claim; a group's members hold its
roles. `user access` shows a user's roles, groups and attributes, or replaces the parts
given (--role/--no-roles, --group/--no-groups, --attributes JSON).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from authgate.identity.v1 import identity_pb2 as pb
from authgate_common.core.errors import InvalidRequest

from .context import Context
from .output import message_dict
from .parsers import command, command_group, either

ACCESS_SHOWN = ["id", "username", "roles", "groups", "attributes"]


def _role_put(args: argparse.Namespace, ctx: Context) -> None:
    role = pb.Role(name=args.name, description=args.description)
    reply = ctx.identity.call("PutRole", pb.PutRoleRequest(role=role))
    ctx.out.record({**message_dict(reply.role, "name", "description"), "changed": reply.changed},
                   ["name", "description", "changed"])


def _role_list(args: argparse.Namespace, ctx: Context) -> None:
    roles = ctx.identity.call("ListRoles", pb.ListRolesRequest()).roles
    ctx.out.table([message_dict(r, "name", "description") for r in roles], ["name", "description"])


def _role_delete(args: argparse.Namespace, ctx: Context) -> None:
    ctx.identity.call("DeleteRole", pb.DeleteRoleRequest(name=args.name))
    ctx.out.note(f"deleted role {args.name}")


def _group_dict(group: pb.Group) -> dict[str, Any]:
    return message_dict(group, "name", "description", "roles")


def _group_put(args: argparse.Namespace, ctx: Context) -> None:
    group = pb.Group(name=args.name, description=args.description, roles=args.role)
    reply = ctx.identity.call("PutGroup", pb.PutGroupRequest(group=group))
    ctx.out.record({**_group_dict(reply.group), "changed": reply.changed},
                   ["name", "description", "roles", "changed"])


def _group_list(args: argparse.Namespace, ctx: Context) -> None:
    groups = ctx.identity.call("ListGroups", pb.ListGroupsRequest()).groups
    ctx.out.table([_group_dict(g) for g in groups], ["name", "roles", "description"])


def _group_delete(args: argparse.Namespace, ctx: Context) -> None:
    ctx.identity.call("DeleteGroup", pb.DeleteGroupRequest(name=args.name))
    ctx.out.note(f"deleted group {args.name}")


def access_dict(user: pb.User) -> dict[str, Any]:
    return {**message_dict(user, "id", "username", "roles", "groups"),
            "attributes": json.loads(user.attributes_json or "{}")}


NOT_AN_OBJECT = "--attributes must be a JSON object, e.g. '{\"department\": \"finance\"}'"


def _attributes(text: str | None) -> str | None:
    """Checked here only to say so before any call; the service checks the rest."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise InvalidRequest(NOT_AN_OBJECT) from exc
    if not isinstance(value, dict):
        raise InvalidRequest(NOT_AN_OBJECT)
    return text


def _user_access(args: argparse.Namespace, ctx: Context) -> None:
    attributes = _attributes(args.attributes)
    lookup = (pb.GetUserRequest(id=args.id) if args.id is not None
              else pb.GetUserRequest(username=args.username))
    user = ctx.identity.call("GetUser", lookup).user
    request = pb.SetUserAccessRequest(
        user_id=user.id, set_roles=bool(args.role) or args.no_roles, roles=args.role or [],
        set_groups=bool(args.group) or args.no_groups, groups=args.group or [],
        set_attributes=attributes is not None, attributes_json=attributes or "")
    if request.set_roles or request.set_groups or request.set_attributes:
        reply = ctx.identity.call("SetUserAccess", request)
        user = reply.user
        ctx.out.note("changed" if reply.changed else "unchanged")
    ctx.out.record(access_dict(user), ACCESS_SHOWN)


def _named(parser: argparse.ArgumentParser, kind: str) -> None:
    parser.add_argument("name", help=f"the {kind}'s name (letters, digits, . _ : -; at most 64)")


def register(groups: Any, common: argparse.ArgumentParser) -> None:
    roles = command_group(groups, common, "role", help="manage roles (identity service)",
                          description="Roles: names applications check in the `roles` claim.")
    p = command(roles, common, "list", _role_list, help="list roles", description="List the roles by name.")
    p = command(roles, common, "put", _role_put, help="create a role or change its description",
                description="Create a role, or change its description.",
                epilog="example: authgate role put billing.admin --description 'pays the bills'")
    _named(p, "role")
    p.add_argument("--description", default="", help="what holding it allows")
    p = command(roles, common, "delete", _role_delete, help="delete a role",
                description="Delete a role; every user and group holding it loses it.")
    _named(p, "role")

    grps = command_group(groups, common, "group", help="manage groups (identity service)",
                         description="Groups: their members hold their roles.")
    command(grps, common, "list", _group_list, help="list groups", description="List the groups by name.")
    p = command(grps, common, "put", _group_put, help="create a group, or replace its description and roles",
                description="Create a group, or replace its description and roles (the roles must exist).",
                epilog="example: authgate group put staff --role reader --role writer")
    _named(p, "group")
    p.add_argument("--description", default="", help="what the group is")
    p.add_argument("--role", action="append", default=[], metavar="ROLE",
                   help="a role its members hold (repeat)")
    p = command(grps, common, "delete", _group_delete, help="delete a group",
                description="Delete a group; its members leave it.")
    _named(p, "group")


def register_user_access(commands: Any, common: argparse.ArgumentParser) -> None:
    """`authgate user access`, inside the `user` group."""
    p = command(commands, common, "access", _user_access,
                help="show or set a user's roles, groups, attributes",
                description="Show a user's roles, groups and attributes; with --role/--no-roles, "
                "--group/--no-groups or --attributes, replace that part (the others stay).",
                epilog="example: authgate user access --username alice --group staff "
                "--attributes '{\"department\": \"finance\"}'")
    either(p, ("--id", "the user's id"), ("--username", "the user's username"))
    p.add_argument("--role", action="append", metavar="ROLE", help="a role held directly (repeat; replaces)")
    p.add_argument("--no-roles", action="store_true", help="hold no role directly")
    p.add_argument("--group", action="append", metavar="GROUP", help="a group (repeat; replaces)")
    p.add_argument("--no-groups", action="store_true", help="be in no group")
    p.add_argument("--attributes", metavar="JSON",
                   help="custom claims as a JSON object (replaces; '{}' clears)")
