"""Public HTTP routes of the identity service: the SSO login page and form, the second
factor and account security pages (entrypoints/second_factor.py, account_security.py),
and the admin API's users (entrypoints/admin_users.py).

GET|POST /api/v1/sso/login. The routes are plain `def`, so FastAPI runs them in its
thread pool and bcrypt never blocks the event loop. When a second factor is due the
password form goes on to it (a pending sign-in, no session yet); the login page asked
for `acr=urn:authgate:acr:mfa` with a live session steps that session up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Annotated

from authgate_common.core.acr import ACR_MFA, requested_acr
from authgate_common.core.errors import AccessDenied, OAuthError
from authgate_common.core.return_to import safe_return_to
from authgate_common.http import NO_STORE, client_ip, create_app
from authgate_common.pages import Pages
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from ..domain.clients import ClientDirectory, NoClients
from ..domain.login import Login, WrongCredentials
from ..domain.mfa.sign_in import SecondFactorDue
from ..domain.ports import StartedSession
from .account_flows import AccountDeps, account_flows_router
from .account_security import account_security_router
from .account_session import AccountSessions
from .admin_users import AdminDeps, admin_users_router
from .cookies import CookiePolicy
from .login_body import FORM, JSON, LoginForm, UnsupportedMediaType, login_form, media_type, parse_json
from .login_page import LOGIN_PATH, SESSION_EXPIRED, UNAVAILABLE, identity_pages, render_login
from .openapi import LOGIN_REQUEST_BODY, LOGIN_RESPONSES
from .passkeys import PasskeyDeps, passkeys_router
from .second_factor import MfaDeps, required_acr, second_factor_router, to_second_factor

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HttpDeps:
    login: Login
    cookies: CookiePolicy
    max_body_bytes: int = 65536
    admin: AdminDeps | None = None
    # The pages people see (templates, languages, THEME_DIR) and the clients they sign in to.
    pages: Pages = field(default_factory=identity_pages)
    clients: ClientDirectory = field(default_factory=NoClients)
    # Second factors and the account security page; None: password-only sign-in.
    mfa: MfaDeps | None = None
    # Password reset, email verification, registration, password change (account_flows.py).
    account_flows: AccountDeps | None = None
    # Passkeys (passkeys.py); they need `mfa` for the second factor and the account pages.
    passkeys: PasskeyDeps | None = None


class SecondFactorRequired(AccessDenied):
    default_description = "A second factor is required: sign in through the login page."


async def _body(request: Request) -> bytes:
    return await request.body()


def _user_agent(request: Request) -> str:
    return request.headers.get("user-agent", "")


def create_http_app(deps: HttpDeps) -> FastAPI:
    app = create_app("authgate identity service", max_body_bytes=deps.max_body_bytes)
    cookies = deps.cookies
    mfa = deps.mfa
    account = AccountSessions(mfa.sessions, cookies) if mfa is not None else None

    def sign_in(request: Request, username: str, password: str, return_to: str = "/",
                acr: str = "") -> StartedSession | SecondFactorDue:
        if mfa is None:
            return deps.login(username, password, client_ip(request), _user_agent(request))
        return mfa.sign_in(username, password, client_ip(request), _user_agent(request), return_to=return_to,
                           acr=required_acr(acr, return_to, deps.clients))

    def form_login(request: Request, form: LoginForm) -> Response:
        return_to = safe_return_to(form.return_to)
        if not cookies.csrf_matches(request, form.csrf_token):
            cookie, token = cookies.csrf_pair(request)
            page = render_login(deps.pages, deps.clients, request, return_to=return_to, csrf_token=token,
                                status_code=400, message=SESSION_EXPIRED, username=form.username)
            cookies.set_csrf(page, cookie)
            return page
        try:
            started = sign_in(request, form.username, form.password, return_to, form.acr)
        except OAuthError as err:
            if err.status_code >= 500:
                log.warning("form login failed: %s", err)
            wrong = isinstance(err, WrongCredentials)
            message = err.description if wrong else UNAVAILABLE
            return render_login(deps.pages, deps.clients, request, return_to=return_to,
                                csrf_token=form.csrf_token, status_code=err.status_code,
                                message=message, username=form.username, invalid=wrong)
        if isinstance(started, SecondFactorDue) and mfa is not None:
            return to_second_factor(started, mfa.pending_cookie)  # the CSRF cookie stays for it
        assert isinstance(started, StartedSession)
        redirect = RedirectResponse(return_to, status_code=303, headers=NO_STORE)
        cookies.set_session(redirect, started)
        cookies.clear_csrf(redirect)
        return redirect

    def json_login(request: Request, username: str, password: str) -> Response:
        started = sign_in(request, username, password)
        if not isinstance(started, StartedSession):
            raise SecondFactorRequired()
        resp = JSONResponse({"sid": started.sid, "user_id": started.user_id,
                             "expires_at": started.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")},
                            headers=NO_STORE)
        cookies.set_session(resp, started)
        return resp

    @app.get(LOGIN_PATH, response_class=HTMLResponse, tags=["sso"], summary="The login page")
    def login_page(request: Request, return_to: str = "/", acr: str = "") -> Response:
        return_to = safe_return_to(return_to)
        live = account.current(request) if account is not None and requested_acr(acr) == ACR_MFA else None
        if live is not None and mfa is not None:
            due = mfa.step_up(live, return_to)  # the session's user gives a second factor only
            if due is None:
                return RedirectResponse(return_to, status_code=303, headers=NO_STORE)
            return to_second_factor(due, mfa.pending_cookie)
        cookie, token = cookies.csrf_pair(request)
        page = render_login(deps.pages, deps.clients, request, return_to=return_to, csrf_token=token)
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

    if mfa is not None and account is not None:
        app.include_router(second_factor_router(mfa, deps.pages, cookies))
        app.include_router(account_security_router(mfa, deps.pages, cookies, account))
        if deps.passkeys is not None:
            app.include_router(passkeys_router(deps.passkeys, cookies, account, mfa.pending_cookie))
    if deps.account_flows is not None:
        app.include_router(account_flows_router(deps.account_flows))
    if deps.admin is not None:
        app.include_router(admin_users_router(deps.admin))
    return app
