"""The admin REST API's consents: /api/v1/admin/consents (issue 17), a thin shell over
domain/admin/consents.py.

GET    ?user_id=<id>                    the user's standing approvals
DELETE /{user_id}/{client_id}           withdraw one (204; 404 when there is none)
DELETE /{user_id}                       withdraw all of them (200: which)

A withdrawal is the user's own (the next /authorize asks again; the client's refresh
tokens for the user are revoked), audited as `admin.consent.withdrawn` with the acting
client. Every route first authenticates the caller (`admin:consents`).
"""

# No `from __future__ import annotations`: FastAPI must see the Annotated dependencies.
from dataclasses import dataclass
from typing import Annotated

from authgate_common.admin_http import caller_dependency
from authgate_common.core.access_tokens import TokenValidator
from authgate_common.core.admin_api import AdminCaller
from authgate_common.core.admin_scope import CONSENTS_SCOPE
from authgate_common.http import NO_STORE
from authgate_common.problems import ProblemRoute
from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse

from ..domain.admin.consents import ConsentAdmin
from .admin_schemas import CONSENT_NOT_FOUND, CONSENT_RESPONSES, AdminConsents, Withdrawn, consents_json

CONSENTS_PATH = "/api/v1/admin/consents"


@dataclass(frozen=True)
class AdminConsentDeps:
    consents: ConsentAdmin
    tokens: TokenValidator
    issuer: str


def admin_consents_router(deps: AdminConsentDeps) -> APIRouter:
    router = APIRouter(prefix=CONSENTS_PATH, tags=["admin: consents"], route_class=ProblemRoute,
                       responses=CONSENT_RESPONSES)
    consents = deps.consents
    Caller = Annotated[AdminCaller, Depends(caller_dependency(deps.tokens, deps.issuer, CONSENTS_SCOPE))]

    @router.get("", summary="A user's standing approvals of clients", response_model=AdminConsents)
    def list_consents(who: Caller, user_id: Annotated[str, Query(max_length=64)]) -> Response:
        return JSONResponse(consents_json(user_id.lower(), consents.of_user(user_id)), headers=NO_STORE)

    @router.delete("/{user_id}/{client_id}", status_code=204,
                   summary="Withdraw a user's approval of a client (it asks again; its tokens end)",
                   responses={204: {"description": "withdrawn"}, 404: CONSENT_NOT_FOUND})
    def withdraw(who: Caller, user_id: str, client_id: str) -> Response:
        consents.withdraw(user_id, client_id, who.acting)
        return Response(status_code=204, headers=NO_STORE)

    @router.delete("/{user_id}", summary="Withdraw every approval a user holds", response_model=Withdrawn)
    def withdraw_all(who: Caller, user_id: str) -> Response:
        withdrawn = consents.withdraw_all(user_id, who.acting)
        return JSONResponse({"user_id": user_id.lower(), "withdrawn": withdrawn}, headers=NO_STORE)

    return router
