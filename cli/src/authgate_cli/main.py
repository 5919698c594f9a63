"""`authgate`: argparse wiring, the exit codes and the promise of no traceback.

Exit codes: 0 success; 1 the service refused (its RFC 6749 §5.2 error code and
description are printed) or could not do it yet (`keys rotate` without --force before
the next key is in every cached JWKS); 2 a service is unreachable, the configuration is
invalid or the command line is wrong (argparse's own convention); 130 interrupted.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from authgate_common.errors import OAuthError
from pydantic import ValidationError

from . import audit, clients, keys, sessions, users
from .context import Context
from .output import Output
from .rpc import ServiceUnreachable
from .settings import CliSettings


def build_parser() -> argparse.ArgumentParser:
    # Given to every (sub)parser so the flags work before or after the subcommand;
    # SUPPRESS keeps a subparser from overwriting a value the top level already parsed.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print JSON instead of text (errors too, on stderr)",
    )
    common.add_argument(
        "--identity-target",
        metavar="HOST:PORT",
        default=argparse.SUPPRESS,
        help="identity gRPC address (default $IDENTITY_GRPC_TARGET or 127.0.0.1:50051)",
    )
    common.add_argument(
        "--authorization-target",
        metavar="HOST:PORT",
        default=argparse.SUPPRESS,
        help="authorization gRPC address (default $AUTHORIZATION_GRPC_TARGET or 127.0.0.1:50053)",
    )
    common.add_argument(
        "--token-target",
        metavar="HOST:PORT",
        default=argparse.SUPPRESS,
        help="token gRPC address (default $TOKEN_GRPC_TARGET or 127.0.0.1:50054)",
    )
    common.add_argument(
        "--session-target",
        metavar="HOST:PORT",
        default=argparse.SUPPRESS,
        help="session gRPC address (default $SESSION_GRPC_TARGET or 127.0.0.1:50052)",
    )
    parser = argparse.ArgumentParser(
        prog="authgate",
        parents=[common],
        description="Operate authgate: manage users, OAuth clients, signing keys and sessions over the "
        "services' gRPC APIs.",
        epilog="Settings come from the environment and .env: IDENTITY_GRPC_TARGET, "
        "AUTHORIZATION_GRPC_TARGET, TOKEN_GRPC_TARGET, SESSION_GRPC_TARGET, "
        "GRPC_CLIENT_TIMEOUT_SECONDS (default 5). "
        "Exit codes: 0 ok, 1 refused by the service, 2 unreachable or usage error.",
    )
    groups = parser.add_subparsers(dest="group", required=True, metavar="{user,client,keys,session,audit}")
    users.register(groups, common)
    clients.register(groups, common)
    keys.register(groups, common)
    sessions.register(groups, common)
    audit.register(groups, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help or a usage error, already printed by argparse
        return exc.code if isinstance(exc.code, int) else 2
    out = Output(getattr(args, "json", False))
    try:
        settings = CliSettings()
    except ValidationError as exc:
        out.error(
            "invalid_configuration",
            "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()),
        )
        return 2
    ctx = Context.build(
        settings,
        as_json=out.as_json,
        identity_target=getattr(args, "identity_target", None),
        authorization_target=getattr(args, "authorization_target", None),
        token_target=getattr(args, "token_target", None),
        session_target=getattr(args, "session_target", None),
    )
    try:
        # A handler may return 1 for an answer that is not a success (e.g. not rotated).
        return args.handler(args, ctx) or 0
    except ServiceUnreachable as exc:
        out.error("temporarily_unavailable", str(exc))
        return 2
    except OAuthError as exc:
        out.error(exc.error, exc.description)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        ctx.close()
