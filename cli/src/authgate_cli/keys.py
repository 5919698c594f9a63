"""`authgate keys list|rotate`: the token service's signing keys (RFC 7517 JWKs), via its gRPC API.

A key is `next` (published in the JWKS, not signing yet), `current` (signs new
tokens) or `retired` (published until every token it signed has expired, then
deleted). `rotate` makes the next key current and publishes a fresh next key; it
waits until verifiers' cached JWKS copies hold the next key (OpenID Connect Core
§10.1.1) unless --force. Private keys never leave the service.
"""

from __future__ import annotations

import argparse
from typing import Any

from authgate.token.v1 import token_pb2

from .context import Context
from .output import message_dict, timestamp
from .parsers import command, command_group

COLUMNS = ["kid", "state", "created_at", "activated_at", "retired_at", "published_until"]


def key_dict(key: token_pb2.SigningKey) -> dict[str, Any]:
    return message_dict(
        key, "kid", "alg", "state", "created_at", "activated_at", "retired_at", "published_until"
    )


def list_(args: argparse.Namespace, ctx: Context) -> None:
    response = ctx.token.call("ListSigningKeys", token_pb2.ListSigningKeysRequest())
    ctx.out.table([key_dict(k) for k in response.keys], COLUMNS)


def rotate(args: argparse.Namespace, ctx: Context) -> int:
    response = ctx.token.call("RotateSigningKeys", token_pb2.RotateSigningKeysRequest(force=args.force))
    keys = [key_dict(k) for k in response.keys]
    data = {
        "rotated": response.rotated,
        "current_kid": response.current_kid,
        "not_before": timestamp(response.not_before),
        "keys": keys,
    }
    shown = ["rotated", "current_kid"] + ([] if response.rotated else ["not_before"])
    ctx.out.record(data, shown)
    if not ctx.out.as_json:
        print()
        ctx.out.table(keys, COLUMNS)
    if response.rotated:
        return 0
    ctx.out.error(
        "not_rotated",
        f"the next key is not in every cached JWKS yet; rotation is allowed "
        f"from {data['not_before']} (--force rotates now)",
    )
    return 1


def register(groups: Any, common: argparse.ArgumentParser) -> None:
    commands = command_group(groups, common, "keys",
                             help="list and rotate the token signing keys (token service)",
                             description="The keys that sign access and ID tokens. The token service "
                             "also rotates them on its own every SIGNING_KEY_ROTATION_DAYS.")
    command(commands, common, "list", list_, help="list signing keys",
            description="List the signing keys, oldest first, with their state (never private keys).")
    p = command(commands, common, "rotate", rotate,
                help="make the next key current",
                description="Make the next key sign and publish a new next key. Tokens signed before "
                "keep validating until they expire. Without --force this happens only once the next "
                "key has been published longer than verifiers cache the JWKS (exit code 1 otherwise).")
    p.add_argument(
        "--force",
        action="store_true",
        help="rotate now, even if some verifiers' cached JWKS lacks the new key "
        "(they reject new tokens until they fetch it again)",
    )
