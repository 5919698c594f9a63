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

# RFC 8693 §2.1 (grants/token_exchange.py); audience, like resource, may repeat.
_ACCESS_TOKEN_TYPE = {"type": "string", "enum": ["urn:ietf:params:oauth:token-type:access_token"]}
TOKEN_EXCHANGE_PROPERTIES = {
    "subject_token": {"type": "string", "description": "token exchange: the user's access token"},
    "subject_token_type": _ACCESS_TOKEN_TYPE,
    "actor_token": {"type": "string", "description": "token exchange, delegation: the actor's access token"},
    "actor_token_type": _ACCESS_TOKEN_TYPE,
    "requested_token_type": _ACCESS_TOKEN_TYPE,
    "audience": {"type": "string", "description": "token exchange: an API's audience (RFC 8707 rules)"},
}

TOKEN_REQUEST_BODY = {
    "required": True,
    "content": {FORM: {"schema": {
        "type": "object",
        "required": ["grant_type"],
        "properties": {
            "grant_type": {"type": "string",
                           "enum": ["authorization_code", "refresh_token", "client_credentials",
                                    "urn:ietf:params:oauth:grant-type:token-exchange"]},
            "code": {"type": "string"},
            "redirect_uri": {"type": "string"},
            "code_verifier": {"type": "string", "description": "RFC 7636 PKCE verifier"},
            "refresh_token": {"type": "string", "description": "refresh_token grant (RFC 6749 §6)"},
            "scope": {"type": "string", "description": "refresh_token: a subset of the granted scope; "
                      "client_credentials: within the client's scopes"},
            "client_id": {"type": "string", "description": "client_secret_post or none"},
            "client_secret": {"type": "string", "description": "client_secret_post"},
            **ASSERTION_PROPERTIES,
            **TOKEN_EXCHANGE_PROPERTIES,
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


# RFC 9449 §4: a proof of possession of the client's key, for this request only.
DPOP_HEADER = {"name": "DPoP", "in": "header", "required": False, "schema": {"type": "string"},
               "description": "A DPoP proof JWT (RFC 9449 §4) for this request: at /token the access "
                              "token is then bound to its key; with a DPoP-bound access token it is "
                              "required (Authorization: DPoP <token>)."}
_DPOP_NONCE = {"DPoP-Nonce": {"schema": {"type": "string"},
                              "description": "The nonce to put in the next DPoP proof (RFC 9449 §8)"}}

_CLIENT_ERRORS = {
    400: error("invalid_request (RFC 6749 §5.2), e.g. two client authentication methods"),
    401: error("invalid_client: client authentication failed (with WWW-Authenticate)"),
}
TOKEN_RESPONSES = {
    200: {"description": "Tokens (RFC 6749 §5.1), never cached", "headers": _DPOP_NONCE,
          "content": {"application/json": {"schema": {
        "type": "object",
        "required": ["access_token", "token_type", "expires_in"],
        "properties": {"access_token": {"type": "string"},
                       "token_type": {"type": "string", "description": "Bearer, or DPoP: bound to "
                                      "the key of the request's DPoP proof (RFC 9449 §5)"},
                       "expires_in": {"type": "integer"}, "scope": {"type": "string"},
                       "refresh_token": {"type": "string"}, "id_token": {"type": "string"},
                       "issued_token_type": {"type": "string", "description": "token exchange (RFC 8693)"}},
    }}}},
    400: {**error("invalid_request, invalid_grant, unauthorized_client, unsupported_grant_type or "
                  "invalid_scope (RFC 6749 §5.2); invalid_dpop_proof, or use_dpop_nonce with the "
                  "nonce in DPoP-Nonce (RFC 9449 §5.2, §8)"), "headers": _DPOP_NONCE},
    401: _CLIENT_ERRORS[401],
}
# RFC 7009 §2.2: 200 with nothing to read, whether or not the token was valid.
REVOCATION_RESPONSES = {200: {"description": "Revoked, or nothing to revoke", "content": {}},
                        **_CLIENT_ERRORS}
INTROSPECTION_RESPONSES = {
    200: {"description": "RFC 7662 §2.2; an unusable token is exactly {\"active\": false}; a "
                         "DPoP-bound token has token_type DPoP and cnf.jkt (RFC 9449 §6.2)",
          "content": {"application/json": {"schema": {
              "type": "object", "required": ["active"], "properties": {"active": {"type": "boolean"}}}}}},
    **_CLIENT_ERRORS,
}
USERINFO_RESPONSES = {
    200: {"description": "Claims of the user (OIDC Core §5.3.2)", "content": {"application/json": {"schema": {
        "type": "object", "required": ["sub"], "properties": {"sub": {"type": "string"}}}}}},
    400: error("invalid_request: the token sent more than one way (RFC 6750 §2)"),
    401: error("invalid_token, or no token (RFC 6750 §3.1, with WWW-Authenticate); a DPoP-bound "
               "token without its proof: invalid_token or invalid_dpop_proof with the DPoP "
               "challenge (RFC 9449 §7.1)"),
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
