"""`authgate user create|list|disable|unlock|mfa-reset|mfa-required`: users, through
identity's gRPC API.

The password never appears on the command line (it would land in shell history
and `ps`): it comes from stdin (--password-stdin) or a no-echo prompt.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from authgate.identity.v1 import identity_pb2
from authgate_common.core.errors import InvalidRequest

from .access import register_user_access
from .context import Context
from .output import message_dict
from .parsers import command, command_group, either

SHOWN = ["id", "username", "email", "name", "email_verified", "disabled", "mfa_required", "mfa_methods"]
COLUMNS = ["id", "username", "email", "email_verified", "disabled"]


def user_dict(user: identity_pb2.User) -> dict[str, Any]:
    return message_dict(
        user, "id", "username", "email", "email_verified", "name", "given_name", "family_name",
        "disabled", "created_at", "updated_at", "mfa_required", "mfa_methods",
    )


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        # Only the line break that `echo`/here-strings add is dropped; other spaces count.
        password = sys.stdin.read().removesuffix("\n").removesuffix("\r")
    elif sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != password:
            raise InvalidRequest("The passwords do not match.")
    else:
        raise InvalidRequest("No password given: use --password-stdin or run in a terminal.")
    if not password:
        raise InvalidRequest("The password is empty.")
    return password


def create(args: argparse.Namespace, ctx: Context) -> None:
    password = read_password(args.password_stdin)
    request = identity_pb2.CreateUserRequest(
        username=args.username,
        email=args.email,
        password=password,
        name=args.name or "",
        given_name=args.given_name or "",
        family_name=args.family_name or "",
        email_verified=args.email_verified,
    )
    ctx.out.record(user_dict(ctx.identity.call("CreateUser", request).user), SHOWN)


def list_(args: argparse.Namespace, ctx: Context) -> None:
    response = ctx.identity.call("ListUsers", identity_pb2.ListUsersRequest(limit=args.limit))
    ctx.out.table([user_dict(u) for u in response.users], COLUMNS)


def disable(args: argparse.Namespace, ctx: Context) -> None:
    user_id = args.id
    if user_id is None:
        found = ctx.identity.call("GetUser", identity_pb2.GetUserRequest(username=args.username))
        user_id = found.user.id
    response = ctx.identity.call("DisableUser", identity_pb2.DisableUserRequest(id=user_id))
    ctx.out.record(user_dict(response.user), SHOWN)


def unlock(args: argparse.Namespace, ctx: Context) -> None:
    request = (identity_pb2.UnlockUserRequest(id=args.id) if args.id is not None
               else identity_pb2.UnlockUserRequest(username=args.username))
    ctx.out.record(user_dict(ctx.identity.call("UnlockUser", request).user), SHOWN)


def mfa_reset(args: argparse.Namespace, ctx: Context) -> None:
    request = (identity_pb2.ResetUserFactorsRequest(id=args.id) if args.id is not None
               else identity_pb2.ResetUserFactorsRequest(username=args.username))
    response = ctx.identity.call("ResetUserFactors", request)
    ctx.out.record({**user_dict(response.user), "removed": response.removed}, [*SHOWN, "removed"])


def mfa_required(args: argparse.Namespace, ctx: Context) -> None:
    required = args.state == "on"
    request = (identity_pb2.SetMfaRequiredRequest(id=args.id, required=required) if args.id is not None
               else identity_pb2.SetMfaRequiredRequest(username=args.username, required=required))
    ctx.out.record(user_dict(ctx.identity.call("SetMfaRequired", request).user), SHOWN)


def _positive(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 10_000:
        raise argparse.ArgumentTypeError("must be between 1 and 10000")
    return value


def register(groups: Any, common: argparse.ArgumentParser) -> None:
    commands = command_group(groups, common, "user",
                             help="manage users (identity service)",
                             description="Manage the people who sign in.")
    p = command(commands, common, "create", create,
                help="register a user",
                description="Register a user. The password is read from stdin with "
                "--password-stdin, otherwise prompted for twice (no echo).",
                epilog="example: echo 's3cret-pass' | authgate user create "
                "--username alice --email alice@example.com --password-stdin")
    p.add_argument("--username", required=True, help="unique login name")
    p.add_argument("--email", required=True, help="unique email address")
    p.add_argument("--name", help="full name (OIDC `name` claim)")
    p.add_argument("--given-name", help="OIDC `given_name` claim")
    p.add_argument("--family-name", help="OIDC `family_name` claim")
    p.add_argument("--email-verified", action="store_true", help="mark the email as verified")
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from stdin (one trailing newline is dropped)",
    )

    p = command(commands, common, "list", list_, help="list users by username",
                description="List users ordered by username.")
    p.add_argument("--limit", type=_positive, default=100, help="at most this many (default 100)")

    p = command(commands, common, "disable", disable, help="stop a user from signing in",
                description="Disable a user: they can no longer sign in.")
    either(p, ("--id", "the user's id"), ("--username", "the user's username (looked up first)"))

    p = command(commands, common, "unlock", unlock, help="lift a login lockout",
                description="Clear a user's failed-login count and lift their temporary lockout.")
    either(p, ("--id", "the user's id"), ("--username", "the user's username"))

    p = command(commands, common, "mfa-reset", mfa_reset, help="remove a user's second factors",
                description="Remove every second factor of a user (authenticator apps, passkeys, "
                "recovery codes), e.g. when they lost their phone. If MFA is required for them, they "
                "set up a new factor at their next sign-in.")
    either(p, ("--id", "the user's id"), ("--username", "the user's username"))

    p = command(commands, common, "mfa-required", mfa_required, help="require a second factor, or not",
                description="Turn 'MFA required' on or off for a user: when on, every sign-in needs a "
                "second factor, and a user without one sets one up at the next sign-in.",
                epilog="example: authgate user mfa-required on --username alice")
    p.add_argument("state", choices=["on", "off"], help="on: require a second factor; off: do not")
    either(p, ("--id", "the user's id"), ("--username", "the user's username"))

    register_user_access(commands, common)
