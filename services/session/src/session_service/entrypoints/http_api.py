"""Public HTTP routes of the session service (through the gateway): my devices and logout.

GET /api/v1/sessions             the caller's live sessions, the current one flagged
DELETE /api/v1/sessions/{sid}    end one of them (204); anyone else's or unknown: 404
POST /api/v1/logout              end every session of the user (?scope=current: this one)
GET /api/v1/logout               a page with the sign-out buttons
GET|POST /api/v1/oauth/logout    OIDC RP-Initiated Logout (end_session_endpoint; rp_logout_api.py)
/api/v1/admin/sessions           the admin API's sessions (admin_sessions.py)

Authenticated by the SSO cookie or a bearer token with `read` (RFC 6750 §3: 401 with a
challenge, 403 insufficient_scope). Thin shells over domain/my_sessions.py.
"""

from __future__ import annotations

from typing import Annotated, Literal

from authgate_common.core.access_tokens import TokenValidator
from authgate_common.core.errors import InvalidToken
from authgate_common.core.forms import is_form, parse_form
from authgate_common.core.return_to import safe_return_to
from authgate_common.http import NO_STORE, create_app
from authgate_common.pages import Pages
from fastapi import FastAPI, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from ..domain.admin.sessions import SessionAdmin
from ..domain.context import Deps
from ..domain.my_sessions import end_my_session, logout, my_sessions
from ..domain.rp_logout import RpLogout
from .admin_sessions import admin_sessions_router
from .http_auth import Authenticator, WebConfig
from .http_schemas import AUTH_ERRORS, LOGOUT_FORM, DeviceOut, DevicesOut, LogoutOut
from .logout_page import render_logout
from .pages import request_locale, session_pages
from .rp_logout_api import register_rp_logout


def _form_return_to(content_type: str | None, body: bytes) -> str:
    return safe_return_to(parse_form(content_type, body).get("return_to"))


def create_http_app(web: WebConfig, deps: Deps, tokens: TokenValidator,
                    rp_logout: RpLogout | None = None, pages: Pages | None = None) -> FastAPI:
    app = create_app("authgate session", max_body_bytes=web.max_body_bytes)
    pages = pages or session_pages()
    auth = Authenticator(deps, tokens, web)
    if rp_logout is not None:  # GET|POST /api/v1/oauth/logout (rp_logout_api.py)
        register_rp_logout(app, rp_logout, web.cookie_name, auth.clear_cookie, pages)

    @app.get("/api/v1/sessions", response_model=DevicesOut, responses=AUTH_ERRORS,
             summary="The caller's signed-in devices (live sessions)")
    def list_devices(request: Request, response: Response) -> DevicesOut:
        caller = auth(request, change=False)
        response.headers.update(NO_STORE)
        return DevicesOut(sessions=[DeviceOut.of(d) for d in my_sessions(deps, caller)])

    @app.delete("/api/v1/sessions/{sid}", status_code=204, responses=AUTH_ERRORS,
                summary="Sign one of the caller's devices out")
    def end_device(sid: str, request: Request) -> Response:
        end_my_session(deps, auth(request, change=True), sid)
        return Response(status_code=204, headers=NO_STORE)

    def _logout(request: Request, scope: str, return_to: str | None) -> Response:
        try:
            caller = auth(request, change=True)
        except InvalidToken as err:
            if return_to is None or not err.metadata.get("no_token"):
                raise
            caller = None  # a browser whose session already ended: it is signed out
        revoked = logout(deps, caller, scope) if caller is not None else 0
        response: Response = (RedirectResponse(return_to, status_code=303, headers=NO_STORE)
                              if return_to is not None else
                              Response(LogoutOut(revoked_sessions=revoked).model_dump_json(),
                                       media_type="application/json", headers=NO_STORE))
        if caller is None or caller.by_cookie or scope == "all":
            auth.clear_cookie(response)
        return response

    @app.post("/api/v1/logout", response_model=LogoutOut, responses={
        **AUTH_ERRORS, 303: {"description": "Form post: signed out; go to return_to"}},
        openapi_extra={"requestBody": LOGOUT_FORM},
        summary="Sign out: every session of the user, or only this one")
    async def logout_route(request: Request, scope: Annotated[
            Literal["all", "current"], Query(description="`current`: only this session")] = "all",
                           ) -> Response:
        content_type = request.headers.get("content-type")
        return_to = _form_return_to(content_type, await request.body()) if is_form(content_type) else None
        return await run_in_threadpool(_logout, request, scope, return_to)

    @app.get("/api/v1/logout", response_class=HTMLResponse, summary="The sign-out page")
    def logout_page(request: Request, return_to: str = "/") -> HTMLResponse:
        locale = request_locale(pages, request, request.query_params.multi_items())
        return render_logout(pages, locale, safe_return_to(return_to))

    app.include_router(admin_sessions_router(SessionAdmin(deps), tokens, web.issuer))
    return app
