"""The admin users API's bodies (pydantic, so /docs shows them) and their OpenAPI entries.

Request bodies are read by the route itself after the bearer token is checked (a
malformed body from a caller without a token gets 401, not 400): `read_body` parses
JSON strictly (no unknown field, no coercion) and names the fields at fault, never their
values.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, TypeVar

from authgate_common.core.errors import InvalidRequest
from authgate_common.problems import problem
from pydantic import BaseModel, ConfigDict, ValidationError

from ..domain.users import User

JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"  # RFC 7396


class UnsupportedMediaType(InvalidRequest):
    status_code = 415
    default_description = f"Send {JSON}."


class AdminUser(BaseModel):
    id: str
    username: str
    email: str
    email_verified: bool
    name: str
    given_name: str
    family_name: str
    disabled: bool
    created_at: datetime
    updated_at: datetime


class AdminUserPage(BaseModel):
    users: list[AdminUser]
    next_cursor: str | None = None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class AdminUserCreate(_Strict):
    username: str
    email: str
    password: str
    name: str = ""
    given_name: str = ""
    family_name: str = ""
    email_verified: bool = False


class AdminUserPatch(_Strict):
    """A JSON merge patch (RFC 7396): a field sent changes, null empties a name field."""

    email: str | None = None
    email_verified: bool | None = None
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None


class AdminPassword(_Strict):
    password: str


Body = TypeVar("Body", bound=BaseModel)


def user_json(user: User) -> dict[str, Any]:
    return AdminUser(id=user.id, username=user.username, email=user.email,
                     email_verified=user.email_verified, name=user.name, given_name=user.given_name,
                     family_name=user.family_name, disabled=user.disabled, created_at=user.created_at,
                     updated_at=user.updated_at).model_dump(mode="json")


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def read_body(model: type[Body], content_type: str | None, body: bytes,
              accepted: tuple[str, ...] = (JSON,)) -> Body:
    if media_type(content_type) not in accepted:
        raise UnsupportedMediaType(f"Send {' or '.join(accepted)}.")
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()} - {""})
        if not fields:
            raise InvalidRequest("The body is not a valid JSON object.") from None
        raise InvalidRequest("Missing or malformed field: " + ", ".join(fields)[:200]) from None
    except (ValueError, RecursionError, json.JSONDecodeError):
        raise InvalidRequest("The body is not valid JSON.") from None


def request_body(model: type[BaseModel], *types: str) -> dict[str, Any]:
    schema = model.model_json_schema()
    return {"requestBody": {"required": True, "content": {t: {"schema": schema} for t in types or (JSON,)}}}


ETAG_HEADER = {"ETag": {"description": "the user's version (strong): send it back in If-Match",
                        "schema": {"type": "string"}}}
BAD_INPUT = problem("invalid_request: a missing or malformed parameter or field")
# Every route's: the caller is checked first, then the input.
COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: BAD_INPUT,
    401: problem("invalid_token: no bearer token, or not a valid one (RFC 6750 §3)"),
    403: problem("insufficient_scope: the token lacks `admin:users` or is not for the admin API"),
    503: problem("temporarily_unavailable: the token or session service could not answer"),
}
NOT_FOUND = problem("not_found: no such user")
PRECONDITION: dict[int | str, dict[str, Any]] = {
    412: problem("precondition_failed: If-Match names another version of the user")}
