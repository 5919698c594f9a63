"""Public HTTP routes of consent (OIDC Core §3.1.2.4):

POST   /api/v1/oauth/consent            the consent page's form: Allow or Deny
GET    /api/v1/consents                 the caller's standing approvals
DELETE /api/v1/consents/{client_id}     withdraw one (204; 404 when there is none)

Authenticated by the SSO cookie (checked with SessionService.ValidateSession). Withdrawal
changes state on a cookie, so it must also come from our own origin (same_origin.py):
403 otherwise. Thin shells over domain/consent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from authgate_common.core.errors import AccessDenied, InvalidRequest, InvalidToken
from authgate_common.core.forms import parse_form
from authgate_common.http import NO_STORE
from authgate_common.openapi import error
from authgate_common.pages import Pages
from authgate_common.same_origin import same_origin
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ..domain.authorize.check_session import MAX_SESSION_TOKEN_LENGTH
from ..domain.authorize.context import ErrorPage
from ..domain.consent.book import ConsentBook
from ..domain.consent.decision import ConsentAnswer, ConsentDecision
from ..domain.ports import SessionLookup
from .consent_page import CONSENT_PATH
from .error_page import render_error_page
from .openapi import CONSENT_FORM, CONSENT_RESPONSES
from .outcomes import respond
from .pages import authorization_pages, request_locale

CONSENTS_PATH = "/api/v1/consents"
AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: error("Not signed in (no or expired SSO cookie)"),
    403: error("A cookie-authenticated change from another site")}


@dataclass(frozen=True)
class ConsentHttpDeps:
    decision: ConsentDecision
    book: ConsentBook
    sessions: SessionLookup
    issuer: str
    session_cookie_name: str = "sso_session"
    pages: Pages = field(default_factory=authorization_pages)


def add_consent_routes(app: FastAPI, deps: ConsentHttpDeps) -> None:
    def user_of(request: Request) -> str:
        token = request.cookies.get(deps.session_cookie_name) or ""
        session = (deps.sessions.validate(token)
                   if token and len(token) <= MAX_SESSION_TOKEN_LENGTH else None)
        if session is None:
            raise InvalidToken("Sign in first.", metadata={"no_token": "1"})
        return session.user_id

    @app.post(CONSENT_PATH, tags=["oauth"], summary="The consent page's answer: Allow or Deny",
              status_code=303, response_class=Response, responses=CONSENT_RESPONSES,
              openapi_extra={"requestBody": CONSENT_FORM})
    async def consent_answer(request: Request) -> Response:
        try:
            fields = parse_form(request.headers.get("content-type"), await request.body())
        except InvalidRequest as err:
            return render_error_page(deps.pages, request_locale(deps.pages, request),
                                     ErrorPage(err.error, err.description))
        # The consent page's language travels in its form (consent.html).
        locale = request_locale(deps.pages, request, fields.items())
        answer = ConsentAnswer(
            sealed_request=fields.get("request", ""), csrf_token=fields.get("csrf_token", ""),
            decision=fields.get("decision", ""),
            session_token=request.cookies.get(deps.session_cookie_name))
        # 303: the browser follows the redirect with GET (RFC 9110 §15.4.4).
        return respond(await run_in_threadpool(deps.decision, answer), deps.pages, locale,
                       redirect_status=303)

    @app.get(CONSENTS_PATH, tags=["consents"], responses=AUTH_ERRORS,
             summary="The applications the caller has approved, and for which scopes")
    def list_consents(request: Request) -> JSONResponse:
        views = deps.book.of_user(user_of(request))
        return JSONResponse({"consents": [
            {"client_id": v.client_id, "client_name": v.client_name, "scopes": list(v.scopes),
             "granted_at": v.granted_at.strftime("%Y-%m-%dT%H:%M:%SZ")} for v in views]},
            headers=NO_STORE)

    @app.delete(CONSENTS_PATH + "/{client_id}", status_code=204,
                responses={**AUTH_ERRORS, 404: error("No standing approval of this client")},
                tags=["consents"], summary="Withdraw an approval (the client asks again next time)")
    def withdraw_consent(client_id: str, request: Request) -> Response:
        user_id = user_of(request)
        if not same_origin(request.headers, deps.issuer):
            raise AccessDenied("Cross-site request refused.")
        deps.book.withdraw(user_id, client_id)
        return Response(status_code=204, headers=NO_STORE)
