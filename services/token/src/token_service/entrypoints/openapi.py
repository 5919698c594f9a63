"""OpenAPI descriptions of the form bodies the routes parse themselves (for /docs)."""

from __future__ import annotations

FORM = "application/x-www-form-urlencoded"

# private_key_jwt (RFC 7523 §2.2): instead of a secret, never together with one.
ASSERTION_PROPERTIES = {
    "client_assertion_type": {"type": "string",
                              "enum": ["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"],
                              "description": "private_key_jwt"},
    "client_assertion": {"type": "string",
                         "description": "private_key_jwt: a JWT signed with a key of the client's JWKS"},
}

TOKEN_REQUEST_BODY = {
    "required": True,
    "content": {FORM: {"schema": {
        "type": "object",
        "required": ["grant_type"],
        "properties": {
            "grant_type": {"type": "string",
                           "enum": ["authorization_code", "refresh_token", "client_credentials"]},
            "code": {"type": "string"},
            "redirect_uri": {"type": "string"},
            "code_verifier": {"type": "string", "description": "RFC 7636 PKCE verifier"},
            "refresh_token": {"type": "string", "description": "refresh_token grant (RFC 6749 §6)"},
            "scope": {"type": "string", "description": "refresh_token: a subset of the granted scope; "
                      "client_credentials: within the client's scopes"},
            "client_id": {"type": "string", "description": "client_secret_post or none"},
            "client_secret": {"type": "string", "description": "client_secret_post"},
            **ASSERTION_PROPERTIES,
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


def _client_authenticated(description: str) -> dict:
    return {
        "required": True,
        "content": {FORM: {"schema": {
            "type": "object",
            "required": ["token"],
            "properties": {
                "token": {"type": "string", "description": description},
                "token_type_hint": {"type": "string", "enum": ["access_token", "refresh_token"],
                                    "description": "a hint only"},
                "client_id": {"type": "string", "description": "client_secret_post or none"},
                "client_secret": {"type": "string", "description": "client_secret_post"},
                **ASSERTION_PROPERTIES,
            },
        }}},
    }


REVOCATION_REQUEST_BODY = _client_authenticated("the access or refresh token to revoke")
INTROSPECTION_REQUEST_BODY = _client_authenticated("the access or refresh token to describe")
