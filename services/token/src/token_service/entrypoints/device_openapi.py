"""OpenAPI descriptions of the device authorization endpoint (RFC 8628 §3.1-3.2), for /docs."""

from __future__ import annotations

from typing import Any

from authgate_common.openapi import error

from .openapi import ASSERTION_PROPERTIES, FORM

DEVICE_AUTHORIZATION_REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "content": {FORM: {"schema": {
        "type": "object",
        "properties": {
            "client_id": {"type": "string", "description": "client_secret_post or none"},
            "client_secret": {"type": "string", "description": "client_secret_post"},
            "scope": {"type": "string", "description": "optional: the client's registered scopes"},
            "resource": {"type": "string", "description": "RFC 8707 resource indicator"},
            **ASSERTION_PROPERTIES,
        },
    }}},
}

DEVICE_AUTHORIZATION_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "RFC 8628 §3.2, never cached", "content": {"application/json": {"schema": {
        "type": "object",
        "required": ["device_code", "user_code", "verification_uri", "expires_in"],
        "properties": {"device_code": {"type": "string"}, "user_code": {"type": "string"},
                       "verification_uri": {"type": "string"},
                       "verification_uri_complete": {"type": "string"},
                       "expires_in": {"type": "integer"}, "interval": {"type": "integer"}},
    }}}},
    400: error("invalid_request, unauthorized_client, invalid_scope or invalid_target"),
    401: error("invalid_client"),
}
