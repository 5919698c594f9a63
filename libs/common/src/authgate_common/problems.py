"""RFC 9457 problem details for the admin REST API (`application/problem+json`).

The OAuth endpoints answer RFC 6749 §5.2 JSON (authgate_common.http); the admin API
answers every error as a problem: `type` (about:blank: the status says what happened),
`title` (the status phrase), `status`, `detail` (the core's client-safe description,
never the input echoed) and the extension member `error` with the OAuth code
(`invalid_token`, `insufficient_scope`, `invalid_request`, `not_found`, …), so a client
of both APIs reads one vocabulary. A bearer refusal keeps its RFC 6750 §3 challenge.

A router built with `route_class=ProblemRoute` answers its routes' errors this way,
FastAPI's own validation errors (400 `invalid_request`, not 422) included; anything
unexpected is a 500 problem with no detail.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from http import HTTPStatus
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from .core.errors import InvalidRequest, OAuthError
from .http import as_oauth_error, error_headers

PROBLEM_TYPE = "application/problem+json"
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "error"],
    "properties": {
        "type": {"type": "string", "description": "about:blank: the status code says it all"},
        "title": {"type": "string", "description": "the HTTP status phrase"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "what went wrong, for a person"},
        "error": {"type": "string", "description": "the OAuth error code (RFC 6749 §5.2, RFC 6750 §3.1)"},
    },
}
PROBLEM_CONTENT = {PROBLEM_TYPE: {"schema": PROBLEM_SCHEMA}}


def problem(description: str) -> dict[str, Any]:
    """An OpenAPI response entry: `description`, answered as a problem."""
    return {"description": description, "content": PROBLEM_CONTENT}


def problem_body(err: OAuthError) -> dict[str, Any]:
    status = err.status_code
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    return {"type": "about:blank", "title": title, "status": status, "detail": err.description,
            "error": err.error}


def problem_response(err: OAuthError) -> JSONResponse:
    return JSONResponse(problem_body(err), status_code=err.status_code, headers=error_headers(err),
                        media_type=PROBLEM_TYPE)


def as_problem(exc: Exception) -> JSONResponse:
    """What a route that raised answers: its error, 503 for a store outage, else a bare 500."""
    if isinstance(exc, RequestValidationError):
        fields = sorted({".".join(str(p) for p in e.get("loc", ())[1:]) for e in exc.errors()})
        return problem_response(InvalidRequest(
            "Missing or malformed parameter: " + ", ".join(f for f in fields if f)[:200]))
    return problem_response(as_oauth_error(exc))


class ProblemRoute(APIRoute):
    """A route whose errors are problem details (wraps the handler FastAPI builds, so
    parameter validation is covered too)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def problem_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:  # noqa: BLE001 - every error becomes a problem
                return as_problem(exc)

        return problem_handler
