"""The admin REST API's sessions: /api/v1/admin/sessions (issue 17), a thin shell over
domain/admin/sessions.py.

GET    /api/v1/admin/sessions?user_id=<uuid>   a user's live sessions, newest first
GET    /api/v1/admin/sessions/{sid}            one live session
DELETE /api/v1/admin/sessions/{sid}            end it (204; already ended: 204 again)
DELETE /api/v1/admin/sessions?user_id=<uuid>   end every session of the user (200, the sids)

Every route first authenticates the caller (a bearer token with `admin:sessions` for the
admin API, checked by the token service), then reads its input; every error is an RFC 9457
problem (authgate_common.problems). Ending a session ends the access tokens issued in it
at once (the revocation feed). Routes are plain `def`: FastAPI runs them in its thread pool.
"""

# No `from __future__ import annotations`: the routes' Annotated dependencies are local
# to admin_sessions_router, and FastAPI must see them evaluated.
from datetime import datetime
from typing import Annotated, Any

from authgate_common.admin_http import caller_dependency, common_responses
from authgate_common.core.access_tokens import TokenValidator
from authgate_common.core.admin_api import AdminCaller
from authgate_common.core.admin_scope import SESSIONS_SCOPE
from authgate_common.http import NO_STORE
from authgate_common.problems import ProblemRoute, problem
from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from ..domain.admin.sessions import SessionAdmin
from ..domain.model import Session

SESSIONS_PATH = "/api/v1/admin/sessions"
NOT_FOUND = problem("not_found: no such live session")
UserId = Annotated[str | None, Query(max_length=64, description="the user's id (a UUID); required")]


class AdminSession(BaseModel):
    sid: str
    user_id: str
    created_at: datetime
    auth_time: datetime
    last_seen_at: datetime
    expires_at: datetime
    amr: list[str]
    user_agent: str
    client_ip: str


class AdminSessionList(BaseModel):
    sessions: list[AdminSession]


class AdminRevoked(BaseModel):
    revoked: list[str]


def session_json(s: Session) -> dict[str, Any]:
    return AdminSession(sid=s.sid, user_id=s.user_id, created_at=s.created_at, auth_time=s.auth_time,
                        last_seen_at=s.last_seen_at, expires_at=s.expires_at, amr=list(s.amr),
                        user_agent=s.user_agent, client_ip=s.client_ip).model_dump(mode="json")


def admin_sessions_router(sessions: SessionAdmin, tokens: TokenValidator, issuer: str) -> APIRouter:
    router = APIRouter(prefix=SESSIONS_PATH, tags=["admin: sessions"], route_class=ProblemRoute,
                       responses=common_responses(SESSIONS_SCOPE, "the token service or the session store"))
    Caller = Annotated[AdminCaller, Depends(caller_dependency(tokens, issuer, SESSIONS_SCOPE))]

    @router.get("", summary="A user's live sessions, newest first", response_model=AdminSessionList)
    def list_sessions(who: Caller, user_id: UserId = None) -> Response:
        return JSONResponse({"sessions": [session_json(s) for s in sessions.of_user(user_id)]},
                            headers=NO_STORE)

    @router.delete("", summary="End every session of a user, and the tokens issued in them, at once",
                   response_model=AdminRevoked,
                   responses={200: {"description": "the sessions ended (none: nothing was live)"}})
    def revoke_user_sessions(who: Caller, user_id: UserId = None) -> Response:
        return JSONResponse({"revoked": sessions.revoke_all(user_id, who.acting)}, headers=NO_STORE)

    @router.get("/{sid}", summary="Read a live session", response_model=AdminSession,
                responses={404: NOT_FOUND})
    def get_session(who: Caller, sid: str) -> Response:
        return JSONResponse(session_json(sessions.get(sid)), headers=NO_STORE)

    @router.delete("/{sid}", summary="End a session, and the tokens issued in it, at once",
                   status_code=204, responses={204: {"description": "ended"}, 404: NOT_FOUND})
    def revoke_session(who: Caller, sid: str) -> Response:
        sessions.revoke(sid, who.acting)
        return Response(status_code=204, headers=NO_STORE)

    return router
