"""POST /api/v1/oauth/par (RFC 9126 §2): not on the fast lane (its answer is 201, and it is
no hot path); the form and Authorization header are read as /token reads them
(form_request.py), errors go through the app's one OAuth error mapping."""

from __future__ import annotations

from typing import Any

from authgate_common.http import NO_STORE
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ..domain.endpoints.pushed_authorization import PAR_PATH, PushedAuthorization
from .form_request import dpop_header, form_request

PAR_REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "content": {"application/x-www-form-urlencoded": {"schema": {
        "type": "object", "additionalProperties": {"type": "string"},
        "description": "The authorization request's parameters (as at /authorize, without "
                       "request_uri) and the client's authentication (as at /token)."}}},
}
PAR_RESPONSES: dict[int | str, dict[str, Any]] = {
    201: {"description": "The request_uri to send to /authorize, and its lifetime in seconds (§2.2)."},
    400: {"description": "invalid_request or an authorization endpoint error (§2.3)."},
    401: {"description": "invalid_client"},
}


def add_par_route(app: FastAPI, endpoint: PushedAuthorization) -> None:
    @app.post(PAR_PATH, name="par", tags=["oauth"], status_code=201,
              summary="Pushed authorization request endpoint (RFC 9126 §2)",
              openapi_extra={"requestBody": PAR_REQUEST_BODY}, responses=PAR_RESPONSES)
    async def pushed_authorization_request(request: Request) -> JSONResponse:
        parsed = form_request(request.headers.get("content-type"), await request.body(),
                              request.headers.get("authorization"),
                              dpop_header(request.headers.getlist("dpop")))
        body = await run_in_threadpool(endpoint.handle, parsed)
        return JSONResponse(body, status_code=201, headers=NO_STORE)
