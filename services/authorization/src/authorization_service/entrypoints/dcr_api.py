"""Dynamic client registration over HTTP: POST /api/v1/oauth/register (RFC 7591 §3) and the
client configuration endpoint GET/PUT/DELETE /api/v1/oauth/register/{client_id} (RFC 7592
§2), a thin shell over domain/dcr. Errors are RFC 6749 §5.2-style JSON (RFC 7591 §3.2.2);
a bad or missing token is 401 with a Bearer challenge (RFC 6750 §3). Responses are never
cached: they carry credentials."""

# No `from __future__ import annotations`: FastAPI must see the route signatures evaluated.
import json
from dataclasses import dataclass
from typing import Any

from authgate_common.admin_http import bearer_token, raw_body
from authgate_common.core.errors import InvalidClientMetadata
from authgate_common.http import NO_STORE
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from ..domain.dcr.manage import ClientConfiguration
from ..domain.dcr.metadata import metadata_of
from ..domain.dcr.register import ClientRegistration, Registration
from ..domain.models import Client

REGISTER_PATH = "/api/v1/oauth/register"
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "invalid_client_metadata or invalid_redirect_uri (RFC 7591 §3.2.2)"},
    401: {"description": "invalid_token: missing, wrong or used-up token (RFC 6750 §3.1)"}}


@dataclass(frozen=True)
class DcrHttpDeps:
    registration: ClientRegistration
    configuration: ClientConfiguration
    issuer: str


def _metadata(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"null")
    except (ValueError, RecursionError):
        raise InvalidClientMetadata("The body is not valid JSON.") from None
    if not isinstance(value, dict):
        raise InvalidClientMetadata("The body must be a JSON object of client metadata.")
    return value


def dcr_router(deps: DcrHttpDeps) -> APIRouter:
    router = APIRouter(tags=["oauth"])

    def described(client: Client, access_token: str, secret: str = "") -> dict[str, Any]:
        answer = metadata_of(client)
        if secret:
            answer.update(client_secret=secret, client_secret_expires_at=0)
        answer.update(registration_access_token=access_token,
                      registration_client_uri=f"{deps.issuer}{REGISTER_PATH}/{client.client_id}")
        return answer

    @router.post(REGISTER_PATH, status_code=201, responses=ERRORS,
                 summary="Client registration endpoint (RFC 7591 §3)")
    def register(request: Request, body: bytes = Depends(raw_body)) -> Response:  # noqa: B008
        token = bearer_token(request.headers.get("authorization"))
        done: Registration = deps.registration.register(_metadata(body), token)
        return JSONResponse(described(done.client, done.registration_access_token, done.client_secret),
                            status_code=201, headers=NO_STORE)

    @router.get(REGISTER_PATH + "/{client_id}", responses=ERRORS,
                summary="Client read request (RFC 7592 §2.1)")
    def read(client_id: str, request: Request) -> Response:
        token = bearer_token(request.headers.get("authorization"))
        client = deps.configuration.read(client_id, token)
        return JSONResponse(described(client, token or ""), headers=NO_STORE)

    @router.put(REGISTER_PATH + "/{client_id}", responses=ERRORS,
                summary="Client update request (RFC 7592 §2.2)")
    def update(client_id: str, request: Request, body: bytes = Depends(raw_body)) -> Response:  # noqa: B008
        token = bearer_token(request.headers.get("authorization"))
        client = deps.configuration.update(client_id, token, _metadata(body))
        return JSONResponse(described(client, token or ""), headers=NO_STORE)

    @router.delete(REGISTER_PATH + "/{client_id}", status_code=204, responses=ERRORS,
                   summary="Client delete request (RFC 7592 §2.3)")
    def delete(client_id: str, request: Request) -> Response:
        deps.configuration.delete(client_id, bearer_token(request.headers.get("authorization")))
        return Response(status_code=204, headers=NO_STORE)

    return router
