"""Building the redirect back to the client (RFC 6749 §4.1.2, §4.1.2.1; RFC 9207 §2).

Parameters are appended to the registered redirect URI, keeping its own query
(RFC 6749 §3.1.2: "MUST retain the query component"). `iss` names this server so a
client talking to several can tell which one answered (mix-up defence).
"""

from __future__ import annotations

import urllib.parse

from authgate_common.errors import OAuthError

from .context import AuthorizeContext


def append_query(uri: str, params: dict[str, str]) -> str:
    # Registered URIs never carry a fragment, so everything after '?' is the query.
    if "?" not in uri:
        sep = "?"
    elif uri.endswith(("?", "&")):
        sep = ""
    else:
        sep = "&"
    return uri + sep + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)


def with_state_and_iss(ctx: AuthorizeContext, params: dict[str, str], issuer: str) -> dict[str, str]:
    state = ctx.param("state")
    if state:
        params["state"] = state
    params["iss"] = issuer
    return params


def error_location(ctx: AuthorizeContext, err: OAuthError, issuer: str) -> str:
    params = with_state_and_iss(
        ctx, {"error": err.error, "error_description": err.description}, issuer)
    return append_query(ctx.verified_redirect_uri, params)


def login_location(login_path: str, return_to: str) -> str:
    return f"{login_path}?{urllib.parse.urlencode({'return_to': return_to}, quote_via=urllib.parse.quote)}"
