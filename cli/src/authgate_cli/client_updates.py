"""`authgate client update|rotate-secret`: changing a registered client (authorization's gRPC API).

`update` sends only what the operator named (a field mask): a repeatable option replaces
the whole registered list, `--clear` empties one; the service applies the registration
rules to the result. `rotate-secret` prints the new secret once; the old one stops
working at once, on every token-service replica. Neither ever shows the old secret.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from authgate.authorization.v1 import authorization_pb2
from authgate_common.core.errors import InvalidRequest
from google.protobuf.field_mask_pb2 import FieldMask

from .client_fields import SHOWN, client_dict, exchange_options, exchange_policy, read_jwks, scopes, unique
from .context import Context
from .parsers import command

# What --clear may empty, and its empty value.
CLEARABLE: dict[str, Any] = {"redirect_uris": [], "post_logout_redirect_uris": [],
                             "backchannel_logout_uri": "", "token_exchange_subject_audiences": []}


def _client_id(args: argparse.Namespace) -> str:
    return args.client_id or args.client_id_option


def _changes(args: argparse.Namespace) -> dict[str, Any]:
    """Field name → new value, for each field the command line names."""
    changes: dict[str, Any] = {}
    if args.name is not None:
        changes["name"] = args.name
    if args.redirect_uri:
        changes["redirect_uris"] = unique(args.redirect_uri)
    if args.post_logout_redirect_uri:
        changes["post_logout_redirect_uris"] = unique(args.post_logout_redirect_uri)
    if args.scope:
        changes["scopes"] = scopes(args.scope)
    if args.grant_type:
        changes["grant_types"] = unique(args.grant_type)
    if args.first_party is not None:
        changes["first_party"] = args.first_party
    if args.require_nonce is not None:
        changes["require_nonce"] = args.require_nonce
    if args.require_mfa is not None:
        changes["require_mfa"] = args.require_mfa
    if args.require_par is not None:
        changes["require_pushed_authorization_requests"] = args.require_par
    if args.dpop_bound is not None:
        changes["dpop_bound_access_tokens"] = args.dpop_bound
    if args.token_exchange:
        changes.update(exchange_policy(args.token_exchange))
    if args.exchange_audience:
        changes["token_exchange_subject_audiences"] = unique(args.exchange_audience)
    if args.admin is not None:
        changes["admin"] = args.admin
    if args.backchannel_logout_uri is not None:
        changes["backchannel_logout_uri"] = args.backchannel_logout_uri
    if args.jwks_file:
        changes["jwks"] = read_jwks(args.jwks_file)
    for field in args.clear or []:
        if field in changes:
            raise InvalidRequest(f"--clear {field} and a new value for it contradict each other.")
        changes[field] = CLEARABLE[field]
    if not changes:
        raise InvalidRequest("Nothing to change: name at least one field (see --help).")
    return changes


def update(args: argparse.Namespace, ctx: Context) -> None:
    changes = _changes(args)
    request = authorization_pb2.UpdateClientRequest(
        client=authorization_pb2.Client(client_id=_client_id(args), **changes),
        update_mask=FieldMask(paths=list(changes)),
    )
    response = ctx.authorization.call("UpdateClient", request)
    data = {**client_dict(response.client), "changed_fields": list(response.changed_fields)}
    ctx.out.record(data, SHOWN + ["changed_fields"])
    if not response.changed_fields:
        ctx.out.note("\nnothing changed: the client already looked like that")


def _read_secret() -> str:
    # Only the line break that `echo`/here-strings add is dropped, as for passwords.
    secret = sys.stdin.read().removesuffix("\n").removesuffix("\r")
    if not secret:
        raise InvalidRequest("No secret on stdin: drop --client-secret-stdin to have one generated.")
    return secret


def rotate_secret(args: argparse.Namespace, ctx: Context) -> None:
    request = authorization_pb2.RotateClientSecretRequest(
        client_id=_client_id(args), client_secret=_read_secret() if args.client_secret_stdin else "")
    response = ctx.authorization.call("RotateClientSecret", request)
    data = {**client_dict(response.client), "client_secret": response.client_secret}
    ctx.out.record(data, ["client_id", "client_secret"])
    ctx.out.note("\nstore the client secret now; it cannot be shown again. The previous secret no "
                 "longer works.")


def _which_client(p: argparse.ArgumentParser) -> None:
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("client_id", nargs="?", metavar="CLIENT_ID", help="the client to change")
    which.add_argument("--client-id", dest="client_id_option", metavar="CLIENT_ID",
                       help="the same as an option, as for create and delete "
                       "(an id starting with '-': --client-id=-ID, or -- -ID)")


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    p = command(commands, common, "update", update,
                help="change a client",
                description="Change the named fields of a client; a repeatable option replaces the whole "
                "registered list. The result must pass the registration rules. Every token-service replica "
                "forgets what it remembered of the client at once.",
                epilog="example: authgate client update web --redirect-uri https://app/cb "
                '--scope "openid read"')
    _which_client(p)
    p.add_argument("--name", help="human-readable name")
    p.add_argument("--redirect-uri", action="append", metavar="URI", help="exact redirect URI (repeatable)")
    p.add_argument("--post-logout-redirect-uri", action="append", metavar="URI",
                   help="where the end-session endpoint may send the browser after logout (repeatable)")
    p.add_argument("--scope", action="append", metavar="SCOPES",
                   help='allowed scopes, space separated (repeatable), e.g. "openid profile read"')
    p.add_argument("--grant-type", action="append", metavar="GRANT",
                   help="authorization_code, refresh_token, client_credentials, "
                        "urn:ietf:params:oauth:grant-type:device_code or "
                        "urn:ietf:params:oauth:grant-type:token-exchange (repeatable)")
    p.add_argument("--first-party", action=argparse.BooleanOptionalAction, default=None,
                   help="trusted client: no consent screen (--no-first-party: ask for consent)")
    p.add_argument("--require-nonce", action=argparse.BooleanOptionalAction, default=None,
                   help="refuse /authorize requests with scope openid and no nonce")
    p.add_argument("--require-mfa", action=argparse.BooleanOptionalAction, default=None,
                   help="every sign-in needs a second factor (--no-require-mfa: one factor will do)")
    p.add_argument("--require-par", dest="require_par", action=argparse.BooleanOptionalAction, default=None,
                   help="/authorize takes only pushed authorization requests (RFC 9126 §5)")
    exchange_options(p, create=False)
    p.add_argument("--admin", action=argparse.BooleanOptionalAction, default=None,
                   help="admin client: may hold admin scopes, by client_credentials only "
                   "(--no-admin: drop its admin scopes in the same update)")
    p.add_argument("--backchannel-logout-uri", metavar="URL",
                   help="http(s) URL that receives a POSTed logout_token when a session ends")
    p.add_argument("--jwks-file", metavar="PATH",
                   help="the new public keys (JWKS) of a private_key_jwt client")
    p.add_argument("--clear", action="append", choices=list(CLEARABLE), metavar="FIELD",
                   help=f"empty a field: {', '.join(CLEARABLE)} (repeatable)")

    p = command(commands, common, "rotate-secret", rotate_secret,
                help="give a confidential client a new secret",
                description="Replace a confidential client's secret. The new one is printed once; the old "
                "one stops working at once, on every token-service replica.",
                epilog="examples: authgate client rotate-secret web; "
                "printf '%s' \"$SECRET\" | authgate client rotate-secret web --client-secret-stdin")
    _which_client(p)
    p.add_argument("--client-secret-stdin", action="store_true",
                   help="read the new secret (at least 32 characters) from stdin instead of generating one")
