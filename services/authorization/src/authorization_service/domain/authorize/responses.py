"""Building the redirect back to the client (RFC 6749 §4.1.2, §4.1.2.1; RFC 9207 §2).

Parameters are appended to the registered redirect URI, keeping its own query
(RFC 6749 §3.1.2: "MUST retain the query component"). `iss` names this server so a
client talking to several can tell which one answered (mix-up defence).

With `response_mode=form_post` (OAuth 2.0 Form Post Response Mode §2) the same
parameters are not appended but POSTed by the browser to the redirect URI: a FormPost
outcome, which the transport renders as a self-submitting form.
"""

from __future__ import annotations

import urllib.parse

from authgate_common.core.errors import OAuthError

from .context import AuthorizeContext, FormPost, Redirect

FORM_POST = "form_post"


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


def client_response(redirect_uri: str, params: dict[str, str], state: str, issuer: str,
                    response_mode: str = "query") -> Redirect | FormPost:
    """The answer to the client in its response mode: a redirect (query) or a form post."""
    if response_mode != FORM_POST:
        return Redirect(client_location(redirect_uri, params, state, issuer))
    fields = dict(params)
    if state:
        fields["state"] = state
    fields["iss"] = issuer
    return FormPost(action=redirect_uri, fields=tuple(fields.items()))


def error_params(err: OAuthError) -> dict[str, str]:
    return {"error": err.error, "error_description": err.description}


def error_location(ctx: AuthorizeContext, err: OAuthError, issuer: str) -> str:
    return client_location(ctx.verified_redirect_uri, error_params(err), ctx.param("state"), issuer)


def error_response(ctx: AuthorizeContext, err: OAuthError, issuer: str) -> Redirect | FormPost:
    return client_response(ctx.verified_redirect_uri, error_params(err), ctx.param("state"), issuer,
                           ctx.response_mode)


def login_location(login_path: str, return_to: str, acr: str = "") -> str:
    """The login page's URL; `acr` (check_acr.py) asks it for a stronger sign-in."""
    params = {"return_to": return_to, **({"acr": acr} if acr else {})}
    return f"{login_path}?{urllib.parse.urlencode(params, quote_via=urllib.parse.quote)}"
