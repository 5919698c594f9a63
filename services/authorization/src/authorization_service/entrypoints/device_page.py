"""The device verification page (RFC 8628 §3.3): GET and POST /api/v1/oauth/device.

Behind single sign-on like /authorize: without a session the browser goes to the login
page and comes back here (with the user code of verification_uri_complete, §3.3.1). The
form is CSRF-protected (an HMAC of the session id); `action` is `lookup` (the code was
typed), `allow` or `deny` (the consent question). Thin: domain/device/verify.py decides.
Plain HTML, no script; not cached, never framed (the pages' security headers).
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from authgate_common.core.client_address import client_address
from authgate_common.core.errors import InvalidRequest
from authgate_common.core.forms import parse_form
from authgate_common.pages import Pages
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ..domain.authorize.check_session import MAX_SESSION_TOKEN_LENGTH
from ..domain.authorize.context import LOGIN_PATH, ErrorPage
from ..domain.authorize.responses import login_location
from ..domain.consent.pending import CsrfTokens
from ..domain.device.start import VERIFICATION_PATH
from ..domain.device.user_codes import MAX_INPUT_LENGTH
from ..domain.device.verify import LOCKED, Decided, DeviceVerification, Outcome, Question, Refused
from ..domain.models import SessionInfo
from ..domain.ports import SessionLookup
from .error_page import render_error_page
from .pages import request_locale

EXPIRED = ("This approval form has expired or did not come from this site. "
           "Go back to the application and start again.")


@dataclass(frozen=True)
class DevicePageDeps:
    verification: DeviceVerification
    sessions: SessionLookup
    csrf: CsrfTokens
    pages: Pages
    session_cookie_name: str = "sso_session"


def add_device_routes(app: FastAPI, deps: DevicePageDeps) -> None:
    def session_of(request: Request) -> SessionInfo | None:
        token = request.cookies.get(deps.session_cookie_name) or ""
        return deps.sessions.validate(token) if token and len(token) <= MAX_SESSION_TOKEN_LENGTH else None

    def to_login(user_code: str) -> Response:
        query = urllib.parse.urlencode({"user_code": user_code[:MAX_INPUT_LENGTH]}) if user_code else ""
        back = f"{VERIFICATION_PATH}?{query}" if query else VERIFICATION_PATH
        return RedirectResponse(login_location(LOGIN_PATH, back), status_code=303)

    def form(locale: str, session: SessionInfo, user_code: str = "", error: str = "",
             status: int = 200) -> HTMLResponse:
        return deps.pages.render("device.html", locale, status_code=status, action=VERIFICATION_PATH,
                                 user_code=user_code[:MAX_INPUT_LENGTH], error=error,
                                 csrf_token=deps.csrf.for_sid(session.sid))

    def shown(outcome: Outcome, locale: str, session: SessionInfo, typed: str) -> HTMLResponse:
        if isinstance(outcome, Refused):
            return form(locale, session, typed, outcome.reason, 429 if outcome.reason == LOCKED else 400)
        if isinstance(outcome, Question):
            full = len(outcome.descriptions) == len(outcome.scopes)
            words = outcome.descriptions if full else outcome.scopes
            return deps.pages.render(
                "device_consent.html", locale, action=VERIFICATION_PATH, user_code=outcome.user_code,
                name=outcome.client_name or outcome.client_id, client_id=outcome.client_id,
                scopes=[deps.pages.translate(locale, text) for text in words],
                csrf_token=deps.csrf.for_sid(session.sid))
        assert isinstance(outcome, Decided)
        return deps.pages.render("device_done.html", locale, approved=outcome.approved)

    @app.get(VERIFICATION_PATH, tags=["oauth"], response_class=HTMLResponse,
             summary="Device verification page (RFC 8628 §3.3)")
    def device_page(request: Request) -> Response:
        pairs = request.query_params.multi_items()
        typed = request.query_params.get("user_code", "")
        session = session_of(request)
        if session is None:
            return to_login(typed)
        return form(request_locale(deps.pages, request, pairs), session, typed)

    @app.post(VERIFICATION_PATH, tags=["oauth"], response_class=HTMLResponse,
              summary="Device verification page: the user code, then Allow or Deny (RFC 8628 §3.3)")
    async def device_answer(request: Request) -> Response:
        try:
            fields = parse_form(request.headers.get("content-type"), await request.body())
        except InvalidRequest as err:
            return render_error_page(deps.pages, request_locale(deps.pages, request),
                                     ErrorPage(err.error, err.description))
        locale = request_locale(deps.pages, request, fields.items())
        typed, action = fields.get("user_code", ""), fields.get("action", "")
        session = await run_in_threadpool(session_of, request)
        if session is None:
            return to_login(typed)
        if not deps.csrf.matches(session.sid, fields.get("csrf_token", "")) or \
                action not in ("lookup", "allow", "deny"):
            return render_error_page(deps.pages, locale, ErrorPage("invalid_request", EXPIRED))
        address = client_address(request.headers.get("x-envoy-external-address"),
                                 request.headers.get("x-forwarded-for"),
                                 request.client.host if request.client else None)
        if action == "lookup":
            outcome = await run_in_threadpool(deps.verification.lookup, typed, session, address)
        else:
            outcome = await run_in_threadpool(lambda: deps.verification.decide(
                typed, session, address, allow=action == "allow"))
        return shown(outcome, locale, session, typed)
