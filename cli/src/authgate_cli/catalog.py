"""`authgate scope list|put|delete` and `authgate api list|put|delete`: the scope catalogue
(the authorization service's CatalogService).

An API is a resource server, named in an access token's `aud` by its audience; a scope is a
permission of one API and/or releases claims (into ID tokens and userinfo with --claim, into
access tokens with --access-token-claim). `put` replaces the whole scope or API. Built-in
scopes (openid, profile, email, account, admin:*) are listed but cannot change.
"""

from __future__ import annotations

import argparse
from typing import Any

from authgate.authorization.v1 import authorization_pb2 as pb
from authgate.authorization.v1 import authorization_pb2_grpc as pb_grpc

from .context import Context
from .output import message_dict
from .parsers import command, command_group

SCOPE_FIELDS = ["name", "description", "api", "claims", "access_token_claims", "builtin"]
API_FIELDS = ["name", "audience", "description", "scopes"]


def _call(ctx: Context, method: str, request: Any) -> Any:
    catalog = ctx.authorization.sibling(pb_grpc.CatalogServiceStub)
    try:
        return catalog.call(method, request)
    finally:
        catalog.close()


def _scope_list(args: argparse.Namespace, ctx: Context) -> None:
    scopes = _call(ctx, "GetCatalog", pb.GetCatalogRequest()).scopes
    rows = [message_dict(s, *SCOPE_FIELDS) for s in scopes if args.all or not s.builtin]
    ctx.out.table(rows, ["name", "api", "claims", "access_token_claims", "builtin", "description"])


def _scope_put(args: argparse.Namespace, ctx: Context) -> None:
    scope = pb.Scope(name=args.name, description=args.description, api=args.api, claims=args.claim,
                     access_token_claims=args.access_token_claim)
    reply = _call(ctx, "PutScope", pb.PutScopeRequest(scope=scope))
    ctx.out.record({**message_dict(reply.scope, *SCOPE_FIELDS[:-1]), "changed": reply.changed},
                   [*SCOPE_FIELDS[:-1], "changed"])


def _scope_delete(args: argparse.Namespace, ctx: Context) -> None:
    _call(ctx, "DeleteScope", pb.DeleteScopeRequest(name=args.name))
    ctx.out.note(f"deleted scope {args.name}")


def _api_list(args: argparse.Namespace, ctx: Context) -> None:
    apis = _call(ctx, "GetCatalog", pb.GetCatalogRequest()).apis
    ctx.out.table([message_dict(a, *API_FIELDS) for a in apis], API_FIELDS)


def _api_put(args: argparse.Namespace, ctx: Context) -> None:
    api = pb.Api(name=args.name, audience=args.audience, description=args.description)
    reply = _call(ctx, "PutApi", pb.PutApiRequest(api=api))
    ctx.out.record({**message_dict(reply.api, *API_FIELDS), "changed": reply.changed},
                   [*API_FIELDS, "changed"])


def _api_delete(args: argparse.Namespace, ctx: Context) -> None:
    _call(ctx, "DeleteApi", pb.DeleteApiRequest(name=args.name))
    ctx.out.note(f"deleted API {args.name}")


def register(groups: Any, common: argparse.ArgumentParser) -> None:
    scopes = command_group(groups, common, "scope", help="manage scopes (authorization service)",
                           description="Scopes clients may ask for: permissions of an API, "
                           "claims they release.")
    p = command(scopes, common, "list", _scope_list, help="list scopes",
                description="List the operator's scopes by name (--all: the built-ins too).")
    p.add_argument("--all", action="store_true", help="the built-in scopes too")
    p = command(scopes, common, "put", _scope_put, help="create or replace a scope",
                description="Create a scope, or replace the one of that name (every option given anew).",
                epilog="example: authgate scope put orders:read --api orders "
                "--description 'Read your orders' --claim roles --access-token-claim roles")
    p.add_argument("name", help="the scope (RFC 6749 scope-token, at most 64 characters)")
    p.add_argument("--description", default="", help="shown to the user on the consent page")
    p.add_argument("--api", default="", help="the API it is a permission of (its audience goes in `aud`)")
    p.add_argument("--claim", action="append", default=[], metavar="CLAIM",
                   help="a claim it releases into ID tokens and userinfo (repeat)")
    p.add_argument("--access-token-claim", action="append", default=[], metavar="CLAIM",
                   help="a claim it copies into access tokens (repeat)")
    p = command(scopes, common, "delete", _scope_delete, help="delete a scope",
                description="Delete a scope; refused while a client is registered with it.")
    p.add_argument("name", help="the scope")

    apis = command_group(groups, common, "api", help="manage APIs (authorization service)",
                         description="APIs: resource servers, each named in `aud` by its audience.")
    command(apis, common, "list", _api_list, help="list APIs", description="List the APIs by name.")
    p = command(apis, common, "put", _api_put, help="create or replace an API",
                description="Create an API, or replace the one of that name.",
                epilog="example: authgate api put orders --audience https://orders.example.com")
    p.add_argument("name", help="the API's name (letters, digits, . _ -; at most 64)")
    p.add_argument("--audience", required=True, help="an absolute URI its tokens carry in `aud`")
    p.add_argument("--description", default="", help="what the API is")
    p = command(apis, common, "delete", _api_delete, help="delete an API",
                description="Delete an API; refused while a scope names it.")
    p.add_argument("name", help="the API")
