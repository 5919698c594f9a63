"""A registered client as the `client` commands show it, and the option values that
`create` (clients) and `update` (client_updates) both turn into its fields."""

from __future__ import annotations

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
    "jwks_kids",
]

_FIELDS = (  # client_dict's, in its order, but for jwks_kids
    "client_id", "name", "client_type", "token_endpoint_auth_method", "redirect_uris", "scopes",
    "grant_types", "first_party", "pkce_optional", "audiences", "created_at",
    "post_logout_redirect_uris", "backchannel_logout_uri", "backchannel_logout_session_required",
    "require_nonce", "admin", "require_mfa", "require_pushed_authorization_requests",
)


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


def scopes(values: list[str]) -> list[str]:
    """The `--scope` values: RFC 6749 §3.3, a scope value is a space-delimited list."""
    return unique([s for value in values for s in value.split()])
