"""OpenAPI descriptions of the form bodies the routes parse themselves, and of what the
routes answer (for /docs)."""

from __future__ import annotations

from authgate_common.openapi import error

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


_CLIENT_ERRORS = {
    400: error("invalid_request (RFC 6749 §5.2), e.g. two client authentication methods"),
    401: error("invalid_client: client authentication failed (with WWW-Authenticate)"),
}
TOKEN_RESPONSES = {
    200: {"description": "Tokens (RFC 6749 §5.1), never cached", "content": {"application/json": {"schema": {
        "type": "object",
        "required": ["access_token", "token_type", "expires_in"],
        "properties": {"access_token": {"type": "string"}, "token_type": {"type": "string"},
                       "expires_in": {"type": "integer"}, "scope": {"type": "string"},
                       "refresh_token": {"type": "string"}, "id_token": {"type": "string"}},
    }}}},
    400: error("invalid_request, invalid_grant, unauthorized_client, unsupported_grant_type or "
               "invalid_scope (RFC 6749 §5.2)"),
    401: _CLIENT_ERRORS[401],
}
# RFC 7009 §2.2: 200 with nothing to read, whether or not the token was valid.
REVOCATION_RESPONSES = {200: {"description": "Revoked, or nothing to revoke", "content": {}},
                        **_CLIENT_ERRORS}
INTROSPECTION_RESPONSES = {
    200: {"description": "RFC 7662 §2.2; an unusable token is exactly {\"active\": false}",
          "content": {"application/json": {"schema": {
              "type": "object", "required": ["active"], "properties": {"active": {"type": "boolean"}}}}}},
    **_CLIENT_ERRORS,
}
USERINFO_RESPONSES = {
    200: {"description": "Claims of the user (OIDC Core §5.3.2)", "content": {"application/json": {"schema": {
        "type": "object", "required": ["sub"], "properties": {"sub": {"type": "string"}}}}}},
    400: error("invalid_request: the token sent more than one way (RFC 6750 §2)"),
    401: error("invalid_token, or no token (RFC 6750 §3.1, with WWW-Authenticate)"),
    403: error("insufficient_scope (RFC 6750 §3.1)"),
}

# Discovery and the JWKS carry a strong ETag and Cache-Control max-age; a matching
# If-None-Match is answered 304 with no body (RFC 9110 §13.1.2, §15.4.5).
_NOT_MODIFIED = {304: {"description": "Not Modified: If-None-Match matched the current ETag",
                       "content": {}}}
_METADATA = {
    "type": "object",
    "required": ["issuer", "authorization_endpoint", "token_endpoint", "jwks_uri",
                 "response_types_supported", "subject_types_supported",
                 "id_token_signing_alg_values_supported"],
    "properties": {
        "issuer": {"type": "string"}, "authorization_endpoint": {"type": "string"},
        "token_endpoint": {"type": "string"}, "jwks_uri": {"type": "string"},
        "userinfo_endpoint": {"type": "string"}, "introspection_endpoint": {"type": "string"},
        "revocation_endpoint": {"type": "string"}, "end_session_endpoint": {"type": "string"},
        "response_types_supported": {"type": "array", "items": {"type": "string"}},
        "subject_types_supported": {"type": "array", "items": {"type": "string"}},
        "id_token_signing_alg_values_supported": {"type": "array", "items": {"type": "string"}},
        "scopes_supported": {"type": "array", "items": {"type": "string"}},
        "grant_types_supported": {"type": "array", "items": {"type": "string"}},
    },
}
DISCOVERY_RESPONSES = {
    200: {"description": "Provider metadata (OIDC Discovery 1.0 §3, RFC 8414 §2)",
          "content": {"application/json": {"schema": _METADATA}}},
    **_NOT_MODIFIED,
}
JWKS_RESPONSES = {
    200: {"description": "The public keys that verify our tokens: current, next and retiring (RFC 7517 §5)",
          "content": {"application/json": {"schema": {
              "type": "object", "required": ["keys"],
              "properties": {"keys": {"type": "array", "items": {
                  "type": "object", "required": ["kty", "kid"],
                  "properties": {"kty": {"type": "string"}, "kid": {"type": "string"},
                                 "use": {"type": "string"}, "alg": {"type": "string"},
                                 "n": {"type": "string"}, "e": {"type": "string"}}}}}}}}},
    **_NOT_MODIFIED,
}
