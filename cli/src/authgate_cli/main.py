"""`authgate`: argparse wiring, the exit codes and the promise of no traceback.

Every command but `pki` calls the services' operator listeners over mutual TLS with the
operator certificate (authgate_cli.operator_tls).

Exit codes: 0 success; 1 the service refused (its RFC 6749 §5.2 error code and
description are printed) or could not do it yet (`keys rotate` without --force before
the next key is in every cached JWKS); 2 the CLI's side failed (authgate_cli.errors): a
service is unreachable or the TLS handshake failed (temporarily_unavailable), the
operator certificate is missing (invalid_configuration), the listener refused the
certificate (access_denied: not an operator certificate, or an internal listener's
address), `authgate pki` could not make a certificate (invalid_request), the
configuration is invalid or the command line is wrong (argparse's own convention);
130 interrupted.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from authgate_common.core.errors import OAuthError
from pydantic import ValidationError

from . import access, audit, catalog, clients, keys, pki, sessions, users
from .apply import commands as declarative
from .context import Context
from .errors import CliFailure
from .output import Output
from .settings import SERVICES, CliSettings, target_variable


def build_parser() -> argparse.ArgumentParser:
    # Given to every (sub)parser so the flags work before or after the subcommand;
    # SUPPRESS keeps a subparser from overwriting a value the top level already parsed.
    output = argparse.ArgumentParser(add_help=False)
    output.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print JSON instead of text (errors too, on stderr)",
    )
    common = argparse.ArgumentParser(add_help=False, parents=[output])
    for service in SERVICES:
        common.add_argument(
            f"--{service}-target",
            metavar="HOST:PORT",
            default=argparse.SUPPRESS,
            help=f"{service} operator-listener address (default ${target_variable(service)} "
            f"or {CliSettings.default_target(service)})",
        )
    for flag, variable, name in (
        ("--ca", "AUTHGATE_CA", "ca.crt"),
        ("--cert", "AUTHGATE_CERT", "tls.crt"),
        ("--key", "AUTHGATE_KEY", "tls.key"),
    ):
        common.add_argument(
            flag,
            metavar="FILE",
            default=argparse.SUPPRESS,
            help=f"operator certificate's {name} (default ${variable} or $VAR_DIR/pki/operator/{name})",
        )
    parser = argparse.ArgumentParser(
        prog="authgate",
        parents=[common],
        description="Operate authgate: manage users, OAuth clients, signing keys and sessions over the "
        "services' operator gRPC listeners (mutual TLS, operator certificate); make the internal "
        "plane's certificates (pki).",
        epilog="Settings come from the environment and .env: IDENTITY_OPERATOR_TARGET, "
        "AUTHORIZATION_OPERATOR_TARGET, TOKEN_OPERATOR_TARGET, SESSION_OPERATOR_TARGET (the services' "
        "operator listeners, default 127.0.0.1:50151-50154; not <SVC>_GRPC_TARGET, the internal ones); "
        "AUTHGATE_CA, AUTHGATE_CERT, AUTHGATE_KEY (the operator certificate; default "
        "VAR_DIR/pki/operator/{ca.crt,tls.crt,tls.key}, VAR_DIR default var, where `make up` puts it); "
        "GRPC_CLIENT_TIMEOUT_SECONDS (default 5). "
        "Exit codes: 0 ok, 1 refused by the service, 2 unreachable, certificate missing or refused, "
        "or usage error.",
    )
    groups = parser.add_subparsers(
        dest="group",
        required=True,
        metavar="{user,role,group,client,scope,api,keys,session,audit,apply,export,pki}",
    )
    users.register(groups, common)
    access.register(groups, common)
    clients.register(groups, common)
    catalog.register(groups, common)
    keys.register(groups, common)
    sessions.register(groups, common)
    audit.register(groups, common)
    declarative.register(groups, common)
    pki.register(groups, output)
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
        ca=getattr(args, "ca", None),
        cert=getattr(args, "cert", None),
        key=getattr(args, "key", None),
    )
    try:
        # A handler may return 1 for an answer that is not a success (e.g. not rotated).
        return args.handler(args, ctx) or 0
    except CliFailure as exc:
        out.error(exc.error, str(exc))
        return 2
    except OAuthError as exc:
        out.error(exc.error, exc.description)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        ctx.close()
