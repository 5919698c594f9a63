"""The admin REST API's users: /api/v1/admin/users (issue 17), a thin shell over
domain/admin/users.py.

Every route first authenticates the caller (a bearer token with `admin:users` for the
admin API, authgate_common.admin_http), then reads its input; every error is an RFC 9457
problem (authgate_common.problems). A user's ETag is its version (strong); PATCH and PUT
.../access (roles, groups, attributes: domain/access) need If-Match (428 without, 412 when
stale), the other changes honour it when sent. Routes are plain `def`: FastAPI runs them
in its thread pool (bcrypt, the database, gRPC).
"""

# No `from __future__ import annotations`: the routes' Annotated dependencies are local
# to admin_users_router, and FastAPI must see them evaluated.
from dataclasses import dataclass
from typing import Annotated

from authgate_common.admin_http import (
    JSON,
    MERGE_PATCH,
    PAGE_RESPONSES,
    IfMatchHeader,
    PageCursor,
    PageLimit,
    caller_dependency,
    etag,
    if_match,
    page_response,
    raw_body,
    read_body,
    request_body,
    required_if_match,
    resource_response,
)
from authgate_common.core.access_tokens import TokenValidator
from authgate_common.core.admin_api import DEFAULT_PAGE, AdminCaller, check
from authgate_common.core.admin_scope import USERS_SCOPE
from authgate_common.core.errors import InvalidRequest, TemporarilyUnavailable
from authgate_common.http import NO_STORE
from authgate_common.problems import ProblemRoute
from authgate_common.problems import problem as problem_entry
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from ..domain.access.user_access import AccessChange, SetUserAccess
from ..domain.admin.users import ProfileChanges, UserAdmin
from ..domain.create_user import NewUser
from ..domain.mfa.manage import ManageFactors
from ..domain.users import User
from .admin_schemas import (
    COMMON_RESPONSES,
    ETAG_HEADER,
    NOT_FOUND,
    PRECONDITION,
    AdminPassword,
    AdminUser,
    AdminUserAccess,
    AdminUserCreate,
    AdminUserPage,
    AdminUserPatch,
    user_json,
)

USERS_PATH = "/api/v1/admin/users"


@dataclass(frozen=True)
class AdminDeps:
    users: UserAdmin
    tokens: TokenValidator
    issuer: str
    set_access: SetUserAccess
    factors: ManageFactors | None = None  # second factors (domain/mfa); None: not wired


def _user(user: User, status_code: int = 200, **headers: str) -> JSONResponse:
    return resource_response(user_json(user), user, status_code, **headers)


def admin_users_router(deps: AdminDeps) -> APIRouter:
    router = APIRouter(prefix=USERS_PATH, tags=["admin: users"], route_class=ProblemRoute,
                       responses=COMMON_RESPONSES)
    users = deps.users
    Caller = Annotated[AdminCaller, Depends(caller_dependency(deps.tokens, deps.issuer, USERS_SCOPE))]
    RawBody = Annotated[bytes, Depends(raw_body)]
    with_etag = {"description": "the user", "headers": ETAG_HEADER}

    @router.get("", summary="List users, oldest first, a page at a time", response_model=AdminUserPage,
                responses=PAGE_RESPONSES)
    def list_users(who: Caller, limit: PageLimit = DEFAULT_PAGE, cursor: PageCursor = None,
                   username: str | None = None, email: str | None = None,
                   disabled: bool | None = None) -> Response:
        page = users.list(limit=limit, cursor=cursor, username=username, email=email, disabled=disabled)
        return page_response(USERS_PATH, "users", [user_json(u) for u in page.users], page.next_cursor,
                             {"limit": limit, "username": username, "email": email, "disabled": disabled})

    @router.post("", summary="Create a user", status_code=201, response_model=AdminUser,
                 openapi_extra=request_body(AdminUserCreate),
                 responses={201: {"description": "created; Location names it",
                                  "headers": {**ETAG_HEADER, "Location": {"schema": {"type": "string"}}}},
                            409: problem_entry("already_exists: username or email taken"),
                            415: problem_entry("not JSON")})
    def create_user(who: Caller, request: Request, body: RawBody) -> Response:
        new = read_body(AdminUserCreate, request.headers.get("content-type"), body)
        user = users.create(NewUser(**new.model_dump()), who.acting)
        return _user(user, 201, Location=f"{USERS_PATH}/{user.id}")

    @router.get("/{user_id}", summary="Read a user", response_model=AdminUser,
                responses={200: with_etag, 404: NOT_FOUND})
    def get_user(who: Caller, user_id: str) -> Response:
        return _user(users.get(user_id))

    @router.patch("/{user_id}", summary="Change a user's profile or email (needs If-Match)",
                  response_model=AdminUser, openapi_extra=request_body(AdminUserPatch, MERGE_PATCH, JSON),
                  responses={200: with_etag, 404: NOT_FOUND,
                             409: problem_entry("already_exists: the email is another user's"),
                             **PRECONDITION, 415: problem_entry("neither JSON nor a merge patch"),
                             428: problem_entry("precondition_required: no If-Match")})
    def update_user(who: Caller, request: Request, body: RawBody, user_id: str,
                    if_match_header: IfMatchHeader = None) -> Response:
        condition = required_if_match(if_match_header)
        patch = read_body(AdminUserPatch, request.headers.get("content-type"), body, (MERGE_PATCH, JSON))
        sent = patch.model_fields_set
        for required in ("email", "email_verified", "mfa_required"):
            if required in sent and getattr(patch, required) is None:
                raise InvalidRequest(f"{required} cannot be removed")
        names = {f: getattr(patch, f) or "" for f in ("name", "given_name", "family_name") if f in sent}
        changes = ProfileChanges(email=patch.email, email_verified=patch.email_verified,
                                 mfa_required=patch.mfa_required, **names)
        return _user(users.update(user_id, changes, condition, who.acting))

    @router.put("/{user_id}/access", summary="Set a user's roles, groups or attributes (needs If-Match)",
                response_model=AdminUser, openapi_extra=request_body(AdminUserAccess),
                responses={200: with_etag, 404: NOT_FOUND, **PRECONDITION, 415: problem_entry("not JSON"),
                           428: problem_entry("precondition_required: no If-Match")})
    def set_access(who: Caller, request: Request, body: RawBody, user_id: str,
                   if_match_header: IfMatchHeader = None) -> Response:
        condition = required_if_match(if_match_header)
        new = read_body(AdminUserAccess, request.headers.get("content-type"), body)
        change = AccessChange(roles=None if new.roles is None else tuple(new.roles),
                              groups=None if new.groups is None else tuple(new.groups),
                              attributes=new.attributes)
        user, _changed = deps.set_access(user_id, change, who.acting, condition)
        return _user(user)

    def action(path: str, summary: str, method: str) -> None:
        @router.post(f"/{{user_id}}/{path}", summary=summary, response_model=AdminUser,
                     responses={200: with_etag, 404: NOT_FOUND, **PRECONDITION}, name=f"{path}_user")
        def act(who: Caller, user_id: str, if_match_header: IfMatchHeader = None) -> Response:
            return _user(getattr(users, method)(user_id, if_match(if_match_header), who.acting))

    action("disable", "Disable a user and end their sessions", "disable")
    action("enable", "Enable a disabled user", "enable")
    action("unlock", "Lift a user's sign-in lockout", "unlock")

    @router.post("/{user_id}/password", summary="Set a user's password", status_code=204,
                 openapi_extra=request_body(AdminPassword),
                 responses={204: {"description": "set", "headers": ETAG_HEADER},
                            404: NOT_FOUND, **PRECONDITION, 415: problem_entry("not JSON")})
    def set_password(who: Caller, request: Request, body: RawBody, user_id: str,
                     if_match_header: IfMatchHeader = None) -> Response:
        new = read_body(AdminPassword, request.headers.get("content-type"), body)
        user = users.set_password(user_id, new.password, if_match(if_match_header), who.acting)
        return Response(status_code=204, headers={**NO_STORE, "ETag": etag(user)})

    @router.delete("/{user_id}/factors", summary="Remove every second factor of a user", status_code=204,
                   responses={204: {"description": "removed; the user enrols again if MFA is required"},
                              404: NOT_FOUND, **PRECONDITION, 503: problem_entry("second factors not wired")})
    def reset_factors(who: Caller, user_id: str, if_match_header: IfMatchHeader = None) -> Response:
        user = users.get(user_id)
        check(if_match(if_match_header), user)
        if deps.factors is None:
            raise TemporarilyUnavailable("second factors are not wired")
        deps.factors.reset(user, who.acting)
        return Response(status_code=204, headers=NO_STORE)

    @router.delete("/{user_id}", summary="Delete a user, ending their sessions and tokens at once",
                   status_code=204,
                   responses={204: {"description": "deleted"}, 404: NOT_FOUND, **PRECONDITION})
    def delete_user(who: Caller, user_id: str, if_match_header: IfMatchHeader = None) -> Response:
        users.delete(user_id, if_match(if_match_header), who.acting)
        return Response(status_code=204, headers=NO_STORE)

    return router
