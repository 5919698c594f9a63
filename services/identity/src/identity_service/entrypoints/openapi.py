"""OpenAPI description of the login body, which the route parses itself (for /docs)."""

from __future__ import annotations

from typing import Any

from authgate_common.openapi import HTML, JSON_ERROR, error

LOGIN_REQUEST_BODY = {
    "required": True,
    "content": {
        "application/x-www-form-urlencoded": {"schema": {
            "type": "object",
            "required": ["username", "password", "csrf_token"],
            "properties": {
                "username": {"type": "string"},
                "password": {"type": "string", "format": "password"},
                "return_to": {"type": "string", "description": "same-origin path; anything else is /"},
                "csrf_token": {"type": "string", "description": "the login page's hidden field"},
            },
        }},
        "application/json": {"schema": {
            "type": "object",
            "required": ["username", "password"],
            "properties": {"username": {"type": "string"},
                           "password": {"type": "string", "format": "password"}},
        }},
    },
}

LOGIN_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "JSON login: the session started; the session cookie is set",
          "content": {"application/json": {"schema": {"type": "object", "properties": {
              "sid": {"type": "string"}, "user_id": {"type": "string"},
              "expires_at": {"type": "string", "format": "date-time"}}}}}},
    303: {"description": "Form login: the session cookie is set; go to return_to (or, when a second "
                         "factor is due, to /api/v1/sso/login/second-factor or /enrol, no session yet)"},
    # A form gets the login page again, with the message; JSON gets the RFC 6749 §5.2 error.
    400: {"description": "invalid_request, or the form's CSRF token did not match",
          "content": {**HTML, **JSON_ERROR}},
    401: {"description": "access_denied: wrong username or password", "content": {**HTML, **JSON_ERROR}},
    403: error("access_denied: JSON sign-in of a user who needs a second factor (use the login page)"),
    415: error("neither a form nor JSON"),
}
