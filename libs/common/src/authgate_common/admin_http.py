"""The admin REST API's HTTP edge, shared by every service that serves a part of it:
the bearer token (RFC 6750 §2.1), If-Match (RFC 9110 §13.1.1), strict JSON bodies and
the OpenAPI entries every route repeats. The rules themselves are in core.admin_api.

Request bodies are read by the route itself after the bearer token is checked (a
malformed body from a caller without a token gets 401, not 400): `read_body` parses JSON
strictly (no unknown field, no coercion) and names the fields at fault, never their values.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar

from fastapi import Header, Query
from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse

from .core.access_tokens import TokenValidator
from .core.admin_api import (
    MAX_CURSOR,
    MAX_PAGE,
    AdminCaller,
    IfMatch,
    PreconditionRequired,
    Versioned,
    admin_caller,
)
from .core.admin_scope import admin_audience
from .core.errors import InvalidRequest, InvalidToken
from .http import NO_STORE
from .problems import problem

JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"  # RFC 7396
_ETAG = re.compile(r'"(\d{1,18})"')

Body = TypeVar("Body", bound=BaseModel)

# The parameters every list and every change takes (FastAPI annotations).
IfMatchHeader = Annotated[str | None, Header(alias="If-Match", description="the ETag you read")]
PageLimit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
PageCursor = Annotated[str | None, Query(max_length=MAX_CURSOR, description="next_cursor of the last page")]
PAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "a page; Link names the next one (RFC 8288)",
          "headers": {"Link": {"schema": {"type": "string"}}}}}


class UnsupportedMediaType(InvalidRequest):
    status_code = 415
    default_description = f"Send {JSON}."


class Strict(BaseModel):
    """A request body: no unknown field, no coercion."""

    model_config = ConfigDict(extra="forbid", strict=True)


def bearer_token(authorization: str | None) -> str | None:
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return None  # no token (or another scheme): the bare challenge
    if not token.strip():
        raise InvalidToken("The access token is missing.")
    return token.strip()


def caller_dependency(tokens: TokenValidator, issuer: str, scope: str) -> Callable[[Request], AdminCaller]:
    """A FastAPI dependency: the admin client behind the request's bearer token, checked
    for `scope` and the admin API's audience before anything else is read."""
    audience = admin_audience(issuer)

    def caller(request: Request) -> AdminCaller:
        token = bearer_token(request.headers.get("authorization"))
        return admin_caller(tokens, token, audience=audience, scope=scope)

    return caller


async def raw_body(request: Request) -> bytes:
    return await request.body()


def etag(resource: Versioned) -> str:
    return f'"{resource.version}"'


def if_match(value: str | None) -> IfMatch | None:
    """`*` or a list of strong entity tags (a weak one never matches); None when absent."""
    if value is None or not value.strip():
        return None
    if value.strip() == "*":
        return IfMatch(any=True)
    tags = (_ETAG.fullmatch(t.strip()) for t in value.split(","))
    return IfMatch(versions=frozenset(int(m.group(1)) for m in tags if m))


def required_if_match(value: str | None) -> IfMatch:
    """For a change that must name the version it was made against (PATCH): 428 without."""
    condition = if_match(value)
    if condition is None:
        raise PreconditionRequired()
    return condition


def next_link(path: str, query: Mapping[str, Any]) -> str:
    """RFC 8288 `Link` to the next page; None-valued parameters are left out."""
    params = {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in query.items() if v is not None}
    return f'<{path}?{urllib.parse.urlencode(params)}>; rel="next"'


def page_response(path: str, name: str, items: list[dict[str, Any]], next_cursor: str | None,
                  query: Mapping[str, Any]) -> JSONResponse:
    """A page: `{name: items, "next_cursor": ...}`, with the next page's `Link` built from the
    same `query` (None-valued parameters left out)."""
    headers = dict(NO_STORE)
    if next_cursor:
        headers["Link"] = next_link(path, {**query, "cursor": next_cursor})
    return JSONResponse({name: items, "next_cursor": next_cursor}, headers=headers)


def resource_response(body: dict[str, Any], resource: Versioned, status_code: int = 200,
                      **headers: str) -> JSONResponse:
    """One resource, never cached, with its version as strong ETag."""
    headers = {**NO_STORE, "ETag": etag(resource), **headers}
    return JSONResponse(body, status_code=status_code, headers=headers)


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


def etag_header(what: str) -> dict[str, Any]:
    return {"ETag": {"description": f"the {what}'s version (strong): send it back in If-Match",
                     "schema": {"type": "string"}}}


def common_responses(scope: str, backends: str) -> dict[int | str, dict[str, Any]]:
    """Every route's: the caller is checked first, then the input."""
    return {
        400: problem("invalid_request: a missing or malformed parameter or field"),
        401: problem("invalid_token: no bearer token, or not a valid one (RFC 6750 §3)"),
        403: problem(f"insufficient_scope: the token lacks `{scope}` or is not for the admin API"),
        503: problem(f"temporarily_unavailable: {backends} could not answer"),
    }


def precondition(what: str) -> dict[int | str, dict[str, Any]]:
    return {412: problem(f"precondition_failed: If-Match names another version of the {what}")}
