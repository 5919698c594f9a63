"""A registered client as the `client` commands show it, and the option values that
`create` (clients) and `update` (client_updates) both turn into its fields."""

from __future__ import annotations

import argparse
import json
import pathlib
from typing import Any

from authgate.authorization.v1 import authorization_pb2
from authgate_common.core.errors import InvalidRequest

from .output import message_dict

SHOWN = [
    "client_id",
    "name",
    "client_type",
    "token_endpoint_auth_method",
    "redirect_uris",
    "scopes",
    "grant_types",
    "audiences",
    "first_party",
    "admin",
    "pkce_optional",
    "post_logout_redirect_uris",
    "backchannel_logout_uri",
    "backchannel_logout_session_required",
    "require_nonce",
    "require_mfa",
    "require_pushed_authorization_requests",
    "dpop_bound_access_tokens",
    "token_exchange_impersonation",
    "token_exchange_delegation",
    "token_exchange_subject_audiences",
    "jwks_kids",
]

_FIELDS = (  # client_dict's, in its order, but for jwks_kids
    "client_id", "name", "client_type", "token_endpoint_auth_method", "redirect_uris", "scopes",
    "grant_types", "first_party", "pkce_optional", "audiences", "created_at",
    "post_logout_redirect_uris", "backchannel_logout_uri", "backchannel_logout_session_required",
    "require_nonce", "admin", "require_mfa", "require_pushed_authorization_requests",
    "dpop_bound_access_tokens", "token_exchange_impersonation", "token_exchange_delegation",
    "token_exchange_subject_audiences",
)
# `--token-exchange` values (RFC 8693): without an actor_token, with one (`act`), or neither.
EXCHANGE_MODES = ("impersonation", "delegation", "none")


def client_dict(client: authorization_pb2.Client) -> dict[str, Any]:
    fields = message_dict(client, *_FIELDS)
    return {**fields, "jwks_kids": _kids(client.jwks)}


def _kids(jwks: str) -> list[str]:
    try:
        return [str(k.get("kid", "")) for k in json.loads(jwks)["keys"]] if jwks else []
    except (ValueError, KeyError, TypeError, AttributeError):
        return []


def read_jwks(path: str | None) -> str:
    """The JWKS file's text (`--jwks-file`), or "" without one."""
    if not path:
        return ""
    try:
        return pathlib.Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidRequest(f"Cannot read the JWKS file {path}: {exc}.") from exc


def unique(values: list[str]) -> list[str]:
    """A repeated option's values in order, each once."""
    return list(dict.fromkeys(values))


def exchange_policy(values: list[str]) -> dict[str, bool]:
    """The `--token-exchange` values (repeatable, or comma separated) as the two policy flags;
    `none` turns both off and goes alone."""
    modes = unique([m.strip() for value in values for m in value.split(",") if m.strip()])
    if unknown := [m for m in modes if m not in EXCHANGE_MODES]:
        raise InvalidRequest(f"Unknown --token-exchange value {unknown[0]!r}: "
                             "impersonation, delegation or none.")
    if "none" in modes and len(modes) > 1:
        raise InvalidRequest("--token-exchange none cannot go with impersonation or delegation.")
    return {"token_exchange_impersonation": "impersonation" in modes,
            "token_exchange_delegation": "delegation" in modes}


def scopes(values: list[str]) -> list[str]:
    """The `--scope` values: RFC 6749 §3.3, a scope value is a space-delimited list."""
    return unique([s for value in values for s in value.split()])


def exchange_options(p: argparse.ArgumentParser, *, create: bool) -> None:
    """--dpop-bound (RFC 9449 §5.2) and the token exchange policy (RFC 8693), for create and update."""
    p.add_argument("--dpop-bound", dest="dpop_bound",
                   action="store_true" if create else argparse.BooleanOptionalAction,
                   default=False if create else None,
                   help="every access token is DPoP-bound: /token wants a DPoP proof (RFC 9449 §5.2)")
    p.add_argument("--token-exchange", action="append", metavar="MODE",
                   help="token exchange policy (RFC 8693; needs the grant type "
                   "urn:ietf:params:oauth:grant-type:token-exchange): impersonation (no actor_token), "
                   "delegation (an actor_token, the token carries act), or none; repeatable or comma "
                   "separated" + ("" if create else "; replaces the registered policy"))
    p.add_argument("--exchange-audience", action="append", metavar="AUD",
                   help="an audience a subject token must carry to be exchanged by this client: an "
                   "absolute URI or a client id (repeatable; default: the client's own id)"
                   + ("" if create else "; replaces the registered list"))
