"""`authgate session list|revoke`: a user's SSO sessions (devices), via session's gRPC API.

A session is what one sign-in on one device created; every access and refresh token
minted under it carries its `sid` (OpenID Connect Front-Channel Logout 1.0 §3).
Revoking one ends that device's sign-in, and every token-service replica rejects the
session's access tokens as soon as the revocation feed reaches it. `--user` takes a
username or a user id, resolved through the identity service.
"""

from __future__ import annotations

import argparse
import uuid
from typing import Any

from authgate.identity.v1 import identity_pb2
from authgate.session.v1 import session_pb2
from authgate_common.core.errors import InvalidRequest, NotFound

from .context import Context
from .output import message_dict
from .parsers import command, command_group

COLUMNS = ["sid", "created_at", "last_seen_at", "expires_at", "client_ip", "user_agent"]


def session_dict(session: session_pb2.Session) -> dict[str, Any]:
    return message_dict(
        session, "sid", "user_id", "created_at", "last_seen_at", "expires_at", "auth_time", "client_ip",
        "user_agent", "amr",
    )


def _looks_like_id(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def resolve_user_id(ctx: Context, user: str) -> str:
    """A user id for a username or an id; an id-shaped value is tried as an id first."""
    if _looks_like_id(user):
        try:
            return ctx.identity.call("GetUser", identity_pb2.GetUserRequest(id=user)).user.id
        except NotFound:
            pass  # a username that happens to look like an id
    return ctx.identity.call("GetUser", identity_pb2.GetUserRequest(username=user)).user.id


def list_(args: argparse.Namespace, ctx: Context) -> None:
    user_id = resolve_user_id(ctx, args.user)
    response = ctx.session.call("ListSessions", session_pb2.ListSessionsRequest(user_id=user_id))
    ctx.out.table([session_dict(s) for s in response.sessions], COLUMNS)


def revoke(args: argparse.Namespace, ctx: Context) -> None:
    if args.all and not args.user:
        raise InvalidRequest("--all revokes every session of one user: name them with --user.")
    user_id = resolve_user_id(ctx, args.user) if args.user else ""
    if args.all:
        response = ctx.session.call(
            "RevokeUserSessions", session_pb2.RevokeUserSessionsRequest(user_id=user_id)
        )
        ctx.out.record({"user_id": user_id, "revoked": list(response.sids)}, ["user_id", "revoked"])
        return
    # With --user, a session of anyone else is NOT_FOUND, exactly like an unknown one.
    ctx.session.call("RevokeSession", session_pb2.RevokeSessionRequest(sid=args.sid, user_id=user_id))
    ctx.out.record({"sid": args.sid, "revoked": True}, ["sid", "revoked"])


def register(groups: Any, common: argparse.ArgumentParser) -> None:
    commands = command_group(groups, common, "session",
                             help="list and revoke users' SSO sessions (session service)",
                             description="A user's live sign-ins, one per device, and ending them.")
    p = command(commands, common, "list", list_,
                help="list a user's live sessions",
                description="List a user's live sessions, newest first (revoked and expired ones are gone).",
                epilog="example: authgate session list --user alice")
    p.add_argument("--user", required=True, help="username or user id")

    p = command(commands, common, "revoke", revoke,
                help="end one session, or every session of a user",
                description="End a session: the device is signed out, its refresh tokens stop working "
                "and every token-service replica rejects its access tokens. Revoking an ended session "
                "again succeeds.",
                epilog="examples: authgate session revoke SID; authgate session revoke --user alice --all")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("sid", nargs="?", help="the session id (`sid` claim, `session list`)")
    which.add_argument("--all", action="store_true", help="every live session of --user")
    p.add_argument("--user", help="username or user id; with SID, only if the session is theirs")
