"""OpenAPI descriptions of the form bodies the routes parse themselves (for /docs)."""

from __future__ import annotations

FORM = "application/x-www-form-urlencoded"

TOKEN_REQUEST_BODY = {
    "required": True,
    "content": {FORM: {"schema": {
        "type": "object",
        "required": ["grant_type"],
        "properties": {
            "grant_type": {"type": "string", "enum": ["authorization_code"]},
            "code": {"type": "string"},
            "redirect_uri": {"type": "string"},
            "code_verifier": {"type": "string", "description": "RFC 7636 PKCE verifier"},
            "client_id": {"type": "string", "description": "client_secret_post or none"},
            "client_secret": {"type": "string", "description": "client_secret_post"},
        },
    }}},
}

USERINFO_REQUEST_BODY = {
    "required": False,
    "content": {FORM: {"schema": {
        "type": "object",
        "properties": {"access_token": {"type": "string", "description": "RFC 6750 §2.2"}},
    }}},
}
