"""The admin REST API's clients: /api/v1/admin/clients (issue 17), a thin shell over
domain/admin/clients.py.

Every route first authenticates the caller (a bearer token with `admin:clients` for the
admin API), then reads its input; every error is an RFC 9457 problem. A client's ETag is
its version (strong); PATCH needs If-Match (428 without, 412 when stale), rotation and
deletion honour it when sent. A secret is shown once: in the answer to the registration
or rotation that made it. Routes are plain `def`: FastAPI runs them in its thread pool.
"""

# No `from __future__ import annotations`: the routes' Annotated dependencies are local
# to admin_clients_router, and FastAPI must see them evaluated.
from dataclasses import dataclass
from typing import Annotated, Literal

from authgate_common.admin_http import (
    JSON,
    MERGE_PATCH,
    PAGE_RESPONSES,
    IfMatchHeader,
    PageCursor,
    PageLimit,
    caller_dependency,
    if_match,
    page_response,
    raw_body,
    read_body,
    request_body,
    required_if_match,
    resource_response,
)
from authgate_common.core.access_tokens import TokenValidator
from authgate_common.core.admin_api import DEFAULT_PAGE, AdminCaller
from authgate_common.core.admin_scope import CLIENTS_SCOPE
from authgate_common.http import NO_STORE
from authgate_common.problems import ProblemRoute
from authgate_common.problems import problem as problem_entry
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from ..domain.admin.clients import ClientAdmin
from ..domain.models import Client
from .admin_schemas import (
    CLIENT_NOT_FOUND,
    CLIENT_RESPONSES,
    ETAG_HEADER,
    OPERATOR_MANAGED,
    PRECONDITION,
    AdminClient,
    AdminClientCreate,
    AdminClientPage,
    AdminClientPatch,
    AdminClientWithSecret,
    client_json,
    new_client,
    patch_values,
)

CLIENTS_PATH = "/api/v1/admin/clients"
ClientType = Literal["confidential", "public"]


@dataclass(frozen=True)
class AdminClientDeps:
    clients: ClientAdmin
    tokens: TokenValidator
    issuer: str


def _client(client: Client, status_code: int = 200, secret: str = "", **headers: str) -> JSONResponse:
    return resource_response(client_json(client, secret), client, status_code, **headers)


def admin_clients_router(deps: AdminClientDeps) -> APIRouter:
    router = APIRouter(prefix=CLIENTS_PATH, tags=["admin: clients"], route_class=ProblemRoute,
                       responses=CLIENT_RESPONSES)
    clients = deps.clients
    Caller = Annotated[AdminCaller, Depends(caller_dependency(deps.tokens, deps.issuer, CLIENTS_SCOPE))]
    RawBody = Annotated[bytes, Depends(raw_body)]
    with_etag = {"description": "the client", "headers": ETAG_HEADER}
    with_secret = {"description": "the client and its new secret, shown this once", "headers": ETAG_HEADER}

    @router.get("", summary="List clients, oldest first, a page at a time", response_model=AdminClientPage,
                responses=PAGE_RESPONSES)
    def list_clients(who: Caller, limit: PageLimit = DEFAULT_PAGE, cursor: PageCursor = None,
                     client_type: ClientType | None = None, first_party: bool | None = None,
                     admin: bool | None = None) -> Response:
        page = clients.list(limit=limit, cursor=cursor, client_type=client_type, first_party=first_party,
                            admin=admin)
        items = [client_json(c) for c in page.clients]
        return page_response(CLIENTS_PATH, "clients", items, page.next_cursor,
                             {"limit": limit, "client_type": client_type, "first_party": first_party,
                              "admin": admin})

    @router.post("", summary="Register a client (a confidential one's secret is in this answer only)",
                 status_code=201, response_model=AdminClientWithSecret,
                 openapi_extra=request_body(AdminClientCreate),
                 responses={201: {"description": "registered; Location names it",
                                  "headers": {**ETAG_HEADER, "Location": {"schema": {"type": "string"}}}},
                            409: problem_entry("already_exists: the client_id is taken"),
                            415: problem_entry("not JSON")})
    def create_client(who: Caller, request: Request, body: RawBody) -> Response:
        new = read_body(AdminClientCreate, request.headers.get("content-type"), body)
        registered = clients.create(new_client(new), who.acting)
        client = registered.client
        return _client(client, 201, registered.client_secret, Location=f"{CLIENTS_PATH}/{client.client_id}")

    @router.get("/{client_id}", summary="Read a client", response_model=AdminClient,
                responses={200: with_etag, 404: CLIENT_NOT_FOUND})
    def get_client(who: Caller, client_id: str) -> Response:
        return _client(clients.get(client_id))

    @router.patch("/{client_id}", summary="Change a client's registration (needs If-Match)",
                  response_model=AdminClient, openapi_extra=request_body(AdminClientPatch, MERGE_PATCH, JSON),
                  responses={200: with_etag, 403: OPERATOR_MANAGED, 404: CLIENT_NOT_FOUND, **PRECONDITION,
                             415: problem_entry("neither JSON nor a merge patch"),
                             428: problem_entry("precondition_required: no If-Match")})
    def update_client(who: Caller, request: Request, body: RawBody, client_id: str,
                      if_match_header: IfMatchHeader = None) -> Response:
        condition = required_if_match(if_match_header)
        patch = read_body(AdminClientPatch, request.headers.get("content-type"), body, (MERGE_PATCH, JSON))
        return _client(clients.update(client_id, patch_values(patch), condition, who.acting).client)

    @router.post("/{client_id}/secret", summary="Rotate a client's secret: the old one fails at once",
                 response_model=AdminClientWithSecret,
                 responses={200: with_secret, 403: OPERATOR_MANAGED, 404: CLIENT_NOT_FOUND, **PRECONDITION})
    def rotate_secret(who: Caller, client_id: str, if_match_header: IfMatchHeader = None) -> Response:
        rotated = clients.rotate_secret(client_id, if_match(if_match_header), who.acting)
        return _client(rotated.client, secret=rotated.client_secret)

    @router.delete("/{client_id}", summary="Delete a client and its users' approvals", status_code=204,
                   responses={204: {"description": "deleted"}, 403: OPERATOR_MANAGED, 404: CLIENT_NOT_FOUND,
                              **PRECONDITION})
    def delete_client(who: Caller, client_id: str, if_match_header: IfMatchHeader = None) -> Response:
        clients.delete(client_id, if_match(if_match_header), who.acting)
        return Response(status_code=204, headers=NO_STORE)

    return router
