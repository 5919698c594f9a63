"""`authgate client initial-token`: an initial access token for dynamic client registration
(RFC 7591 §3), via authorization's CreateInitialAccessToken (operator plane). Whoever holds
it may register clients at /api/v1/oauth/register, `--uses` times before `--ttl` runs out.
It is shown once: the service stores only its hash.
"""

from __future__ import annotations

import argparse
import re
from datetime import timedelta
from typing import Any

from authgate.authorization.v1 import authorization_pb2
from google.protobuf.duration_pb2 import Duration

from .context import Context
from .parsers import command

_TTL = re.compile(r"^(\d{1,6})([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def ttl(value: str) -> timedelta:
    """`90s`, `30m`, `1h`, `7d`."""
    match = _TTL.match(value.strip())
    if not match or int(match.group(1)) == 0:
        raise argparse.ArgumentTypeError("a positive duration like 90s, 30m, 1h or 7d")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def create(args: argparse.Namespace, ctx: Context) -> None:
    duration = Duration()
    duration.FromTimedelta(args.ttl)
    request = authorization_pb2.CreateInitialAccessTokenRequest(ttl=duration, uses=args.uses)
    response = ctx.authorization.call("CreateInitialAccessToken", request)
    expires_at = response.expires_at.ToDatetime().isoformat() + "Z"
    data = {"initial_access_token": response.token, "expires_at": expires_at, "uses": args.uses}
    ctx.out.record(data, ["initial_access_token", "expires_at", "uses"])
    ctx.out.note("\nstore the token now; it cannot be shown again")


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    p = command(commands, common, "initial-token", create,
                help="mint an initial access token for dynamic client registration",
                description="Mint an initial access token (RFC 7591 §3): a Bearer token that lets "
                "its holder register clients at /api/v1/oauth/register. Printed once.",
                epilog="example: authgate client initial-token --ttl 1h --uses 1")
    p.add_argument("--ttl", type=ttl, default=timedelta(hours=1), help="how long it is valid (default 1h)")
    p.add_argument("--uses", type=int, default=1, help="how many registrations it allows (default 1)")
