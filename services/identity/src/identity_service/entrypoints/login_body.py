"""Reading a login request: an HTML form or a JSON object, nothing else.

Form bodies are read by the one OAuth form reader (authgate_common.core.forms: strict
UTF-8, a repeated field refused), JSON bodies must be an object whose `username` and
`password` are strings (RFC 8259); anything else is invalid_request before a password
is ever checked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from authgate_common.core.errors import InvalidRequest
from authgate_common.core.forms import FORM_TYPE, parse_form

FORM = FORM_TYPE
JSON = "application/json"


class UnsupportedMediaType(InvalidRequest):
    status_code = 415
    default_description = f"Send {FORM} or {JSON}."


@dataclass(frozen=True)
class LoginForm:
    username: str
    password: str
    return_to: str
    csrf_token: str
    acr: str = ""  # the login URL's hint (urn:authgate:acr:mfa): ask for a second factor


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def login_form(content_type: str | None, body: bytes) -> LoginForm:
    fields = parse_form(content_type, body)
    return LoginForm(username=fields.get("username", ""), password=fields.get("password", ""),
                     return_to=fields.get("return_to", ""), csrf_token=fields.get("csrf_token", ""),
                     acr=fields.get("acr", "")[:256])


def parse_json(body: bytes) -> tuple[str, str]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise InvalidRequest("The body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise InvalidRequest("The body must be a JSON object.")
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise InvalidRequest("username and password are required strings.")
    return username, password
