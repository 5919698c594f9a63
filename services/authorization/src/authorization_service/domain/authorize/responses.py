"""Building the redirect back to the client (RFC 6749 §4.1.2, §4.1.2.1; RFC 9207 §2).

Parameters are appended to the registered redirect URI, keeping its own query
(RFC 6749 §3.1.2: "MUST retain the query component"). `iss` names this server so a
client talking to several can tell which one answered (mix-up defence).
"""

from __future__ import annotations

import urllib.parse

from authgate_common.core.errors import OAuthError

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


def client_location(redirect_uri: str, params: dict[str, str], state: str, issuer: str) -> str:
    """The verified redirect URI with params, `state` (only when the client sent one) and `iss`."""
    params = dict(params)
    if state:
        params["state"] = state
    params["iss"] = issuer
    return append_query(redirect_uri, params)


def error_params(err: OAuthError) -> dict[str, str]:
    return {"error": err.error, "error_description": err.description}


def error_location(ctx: AuthorizeContext, err: OAuthError, issuer: str) -> str:
    return client_location(ctx.verified_redirect_uri, error_params(err), ctx.param("state"), issuer)


def login_location(login_path: str, return_to: str, acr: str = "") -> str:
    """The login page's URL; `acr` (check_acr.py) asks it for a stronger sign-in."""
    params = {"return_to": return_to, **({"acr": acr} if acr else {})}
    return f"{login_path}?{urllib.parse.urlencode(params, quote_via=urllib.parse.quote)}"
