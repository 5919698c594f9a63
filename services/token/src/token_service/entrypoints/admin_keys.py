"""The admin REST API's signing keys: /api/v1/admin/keys (issue 17), a thin shell over
domain/admin/keys.py.

GET  /api/v1/admin/keys                 the signing keys, oldest first (never private material)
POST /api/v1/admin/keys/rotate[?force]  make the next key sign and publish a new next key

The caller is authenticated first (a bearer token with `admin:keys` for the admin API,
validated here by the same validator as ValidateToken); errors are RFC 9457 problems.
"""

# No `from __future__ import annotations`: FastAPI must see the Annotated dependencies evaluated.
from datetime import datetime
from typing import Annotated, Any

from authgate_common.admin_http import caller_dependency, common_responses
from authgate_common.core.access_tokens import TokenValidator
from authgate_common.core.admin_api import AdminCaller
from authgate_common.core.admin_scope import KEYS_SCOPE
from authgate_common.http import NO_STORE
from authgate_common.problems import ProblemRoute, problem
from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from ..domain.admin.keys import KeyAdmin
from ..domain.keys.signing_keys import KeyInfo

KEYS_PATH = "/api/v1/admin/keys"


class AdminKey(BaseModel):
    kid: str
    alg: str
    state: str  # next (published, not signing yet), current (signs) or retired
    created_at: datetime
    activated_at: datetime | None
    retired_at: datetime | None
    published_until: datetime | None


class AdminKeyList(BaseModel):
    keys: list[AdminKey]


class AdminRotation(BaseModel):
    rotated: bool
    current_kid: str
    keys: list[AdminKey]


def key_json(key: KeyInfo) -> dict[str, Any]:
    return AdminKey(kid=key.kid, alg=key.alg, state=key.state, created_at=key.created_at,
                    activated_at=key.activated_at, retired_at=key.retired_at,
                    published_until=key.published_until).model_dump(mode="json")


def admin_keys_router(keys: KeyAdmin, tokens: TokenValidator, issuer: str) -> APIRouter:
    router = APIRouter(prefix=KEYS_PATH, tags=["admin: keys"], route_class=ProblemRoute,
                       responses=common_responses(KEYS_SCOPE, "the key store"))
    Caller = Annotated[AdminCaller, Depends(caller_dependency(tokens, issuer, KEYS_SCOPE))]

    @router.get("", summary="The signing keys, oldest first (public facts only)", response_model=AdminKeyList)
    def list_keys(who: Caller) -> Response:
        return JSONResponse({"keys": [key_json(k) for k in keys.list()]}, headers=NO_STORE)

    @router.post("/rotate", summary="Make the next key sign and publish a new next key",
                 response_model=AdminRotation,
                 responses={409: problem("rotation_not_due: the next key is not in every cached JWKS "
                                         "yet (Retry-After says when; force=true rotates now)")})
    def rotate_keys(who: Caller, force: Annotated[bool, Query(
            description="rotate now, even if verifiers' cached JWKS may lack the next key")] = False,
                    ) -> Response:
        outcome = keys.rotate(force, who.acting)
        return JSONResponse({"rotated": outcome.rotated, "current_kid": outcome.current_kid,
                             "keys": [key_json(k) for k in outcome.keys]}, headers=NO_STORE)

    return router
