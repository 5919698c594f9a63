"""OpenAPI description of the parameters /authorize and the consent form parse themselves,
and of their pages (for /docs)."""

from __future__ import annotations

from typing import Any

from authgate_common.openapi import page

FORM = "application/x-www-form-urlencoded"
_S = {"type": "string"}
_PROMPT = "(login|consent|select_account)"

# RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core §3.1.2.1. Query values are strings on the wire.
AUTHORIZE_PARAMETERS: dict[str, dict[str, Any]] = {
    "response_type": {"type": "string", "enum": ["code"]},
    "client_id": _S,
    "redirect_uri": {"type": "string", "description": "exactly as registered"},
    "scope": {"type": "string", "description": "space separated, e.g. `openid profile email read`"},
    "state": {"type": "string", "description": "returned unchanged on the redirect"},
    "code_challenge": {"type": "string", "pattern": "^[A-Za-z0-9_-]{43}$",
                       "description": "RFC 7636: BASE64URL(SHA-256(code_verifier))"},
    "code_challenge_method": {"type": "string", "enum": ["S256"]},
    "nonce": {"type": "string", "description": "copied into the ID token"},
    "prompt": {"type": "string", "description": "space separated; `none` stands alone",
               "pattern": f"^(none|{_PROMPT}( {_PROMPT})*)$"},
    "max_age": {"type": "string", "pattern": "^[0-9]{1,10}$",
                "description": "seconds since the user last signed in"},
}
_REQUIRED = ("response_type", "client_id")
AUTHORIZE_QUERY = [{"name": name, "in": "query", "required": name in _REQUIRED, "schema": schema}
                   for name, schema in AUTHORIZE_PARAMETERS.items()]
AUTHORIZE_FORM = {"required": True, "content": {FORM: {"schema": {
    "type": "object", "required": list(_REQUIRED), "properties": AUTHORIZE_PARAMETERS}}}}
AUTHORIZE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: page("The consent page (a client that is not first-party, not yet approved)"),
    302: {"description": "To the client with a code or an error, or to the login page"},
    400: page("Unknown client, unregistered redirect_uri, or a request refused before the "
              "redirect URI is verified: never a redirect"),
}

CONSENT_FORM = {"required": True, "content": {FORM: {"schema": {
    "type": "object",
    "required": ["request", "csrf_token", "decision"],
    "properties": {"request": {"type": "string", "description": "the sealed request the page carries"},
                   "csrf_token": _S,
                   "decision": {"type": "string", "enum": ["allow", "deny"]}},
}}}}
CONSENT_RESPONSES: dict[int | str, dict[str, Any]] = {
    303: {"description": "To the client with a code, or error=access_denied"},
    400: page("Missing or wrong CSRF token, expired form, not signed in"),
}
