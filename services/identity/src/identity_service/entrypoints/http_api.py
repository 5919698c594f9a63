"""Public HTTP routes of the identity service: the SSO login page and form, and the
admin API's users (entrypoints/admin_users.py).

GET|POST /api/v1/sso/login. The routes are plain `def`, so FastAPI runs them in its
thread pool and bcrypt never blocks the event loop.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated

from authgate_common.core.errors import OAuthError
from authgate_common.core.return_to import safe_return_to
from authgate_common.http import NO_STORE, client_ip, create_app
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from ..domain.login import Login, WrongCredentials
from ..domain.ports import StartedSession
from .admin_users import AdminDeps, admin_users_router
from .cookies import CookiePolicy
from .login_body import FORM, JSON, LoginForm, UnsupportedMediaType, login_form, media_type, parse_json
from .login_page import LOGIN_PATH, render_login
from .openapi import LOGIN_REQUEST_BODY, LOGIN_RESPONSES

log = logging.getLogger(__name__)
SESSION_EXPIRED = "Your session expired, please try again."
UNAVAILABLE = "Sign-in is unavailable right now, please try again in a moment."


@dataclass(frozen=True)
class HttpDeps:
    login: Login
    cookies: CookiePolicy
    max_body_bytes: int = 65536
    admin: AdminDeps | None = None


async def _body(request: Request) -> bytes:
    return await request.body()


def _user_agent(request: Request) -> str:
    return request.headers.get("user-agent", "")


def create_http_app(deps: HttpDeps) -> FastAPI:
    app = create_app("authgate identity service", max_body_bytes=deps.max_body_bytes)
    cookies = deps.cookies

    def form_login(request: Request, form: LoginForm) -> Response:
        return_to = safe_return_to(form.return_to)
        if not cookies.csrf_matches(request, form.csrf_token):
            cookie, token = cookies.csrf_pair(request)
            page = render_login(return_to=return_to, csrf_token=token, status_code=400,
                                message=SESSION_EXPIRED, username=form.username)
            cookies.set_csrf(page, cookie)
            return page
        try:
            started = deps.login(form.username, form.password, client_ip(request), _user_agent(request))
        except OAuthError as err:
            if err.status_code >= 500:
                log.warning("form login failed: %s", err)
            message = err.description if isinstance(err, WrongCredentials) else UNAVAILABLE
            return render_login(return_to=return_to, csrf_token=form.csrf_token,
                                status_code=err.status_code, message=message, username=form.username)
        redirect = RedirectResponse(return_to, status_code=303, headers=NO_STORE)
        cookies.set_session(redirect, started)
        cookies.clear_csrf(redirect)
        return redirect

    def json_login(request: Request, username: str, password: str) -> Response:
        started: StartedSession = deps.login(username, password, client_ip(request), _user_agent(request))
        resp = JSONResponse({"sid": started.sid, "user_id": started.user_id,
                             "expires_at": started.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")},
                            headers=NO_STORE)
        cookies.set_session(resp, started)
        return resp

    @app.get(LOGIN_PATH, response_class=HTMLResponse, tags=["sso"], summary="The login page")
    def login_page(request: Request, return_to: str = "/") -> HTMLResponse:
        cookie, token = cookies.csrf_pair(request)
        page = render_login(return_to=safe_return_to(return_to), csrf_token=token)
        cookies.set_csrf(page, cookie)
        return page

    @app.post(LOGIN_PATH, tags=["sso"], summary="Sign in with a username and password",
              openapi_extra={"requestBody": LOGIN_REQUEST_BODY}, responses=LOGIN_RESPONSES)
    def login(request: Request, body: Annotated[bytes, Depends(_body)]) -> Response:
        content_type = request.headers.get("content-type")
        kind = media_type(content_type)
        if kind == FORM:
            return form_login(request, login_form(content_type, body))
        if kind == JSON:
            return json_login(request, *parse_json(body))
        raise UnsupportedMediaType()

    if deps.admin is not None:
        app.include_router(admin_users_router(deps.admin))
    return app
