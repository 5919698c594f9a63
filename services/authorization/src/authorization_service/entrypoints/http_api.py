"""Public HTTP routes of the authorization service: GET and POST /api/v1/oauth/authorize
(RFC 6749 §4.1.1; OIDC Core §3.1.2.1 allows POST with form parameters). Both feed the
same pipeline; this module only converts the HTTP request and the outcome. The consent
routes are in consent_api.py."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field

from authgate_common.core.errors import InvalidRequest
from authgate_common.core.forms import parse_form
from authgate_common.core.resource_indicators import RESOURCE, split_repeated
from authgate_common.http import create_app
from authgate_common.pages import Pages
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from ..domain.authorize.context import AuthorizeRequest, ErrorPage, Outcome
from ..domain.authorize.pipeline import AuthorizeEndpoint
from .admin_clients import AdminClientDeps, admin_clients_router
from .admin_consents import AdminConsentDeps, admin_consents_router
from .consent_api import ConsentHttpDeps, add_consent_routes
from .dcr_api import DcrHttpDeps, dcr_router
from .device_page import DevicePageDeps, add_device_routes
from .error_page import render_error_page
from .openapi import AUTHORIZE_FORM, AUTHORIZE_QUERY, AUTHORIZE_RESPONSES
from .outcomes import respond
from .pages import authorization_pages, request_locale

AUTHORIZE_PATH = "/api/v1/oauth/authorize"
REPEATABLE = frozenset({RESOURCE})  # RFC 8707 §2: `resource` may repeat


@dataclass(frozen=True)
class HttpDeps:
    authorize: AuthorizeEndpoint
    consent: ConsentHttpDeps
    session_cookie_name: str = "sso_session"
    max_body_bytes: int = 65536
    # The admin API's clients and consents (admin_clients.py, admin_consents.py).
    admin_clients: AdminClientDeps | None = None
    admin_consents: AdminConsentDeps | None = None
    # Dynamic client registration (dcr_api.py); None: off (DCR_ENABLED), the routes are 404.
    dcr: DcrHttpDeps | None = None
    # The device verification page (device_page.py); None: off (DEVICE_FLOW_ENABLED), 404.
    device: DevicePageDeps | None = None
    # The consent and error pages (templates, languages, THEME_DIR).
    pages: Pages = field(default_factory=authorization_pages)


def create_http_app(deps: HttpDeps) -> FastAPI:
    app = create_app("authgate authorization service", max_body_bytes=deps.max_body_bytes)
    add_consent_routes(app, deps.consent)
    if deps.admin_clients is not None:
        app.include_router(admin_clients_router(deps.admin_clients))
    if deps.admin_consents is not None:
        app.include_router(admin_consents_router(deps.admin_consents))
    if deps.dcr is not None:
        app.include_router(dcr_router(deps.dcr))
    if deps.device is not None:
        add_device_routes(app, deps.device)

    def run(request: Request, pairs: list[tuple[str, str]], return_to: str) -> Outcome:
        return deps.authorize.handle(AuthorizeRequest(
            pairs=tuple(pairs), session_token=request.cookies.get(deps.session_cookie_name),
            return_to=return_to))

    @app.get(AUTHORIZE_PATH, tags=["oauth"], summary="Authorization endpoint (RFC 6749 §4.1.1)",
             response_class=HTMLResponse, responses=AUTHORIZE_RESPONSES,
             openapi_extra={"parameters": AUTHORIZE_QUERY})
    def authorize_get(request: Request) -> Response:
        query = request.scope.get("query_string", b"").decode("latin-1")
        return_to = f"{AUTHORIZE_PATH}?{query}" if query else AUTHORIZE_PATH
        pairs = request.query_params.multi_items()
        return respond(run(request, pairs, return_to), deps.pages, request_locale(deps.pages, request, pairs))

    @app.post(AUTHORIZE_PATH, tags=["oauth"],
              summary="Authorization endpoint, form post (OIDC Core §3.1.2.1)",
              response_class=HTMLResponse, responses=AUTHORIZE_RESPONSES,
              openapi_extra={"requestBody": AUTHORIZE_FORM})
    async def authorize_post(request: Request) -> Response:
        try:  # a repeated or NUL-bearing parameter is refused here, as step 1 would: a page
            form = parse_form(request.headers.get("content-type"), await request.body(), REPEATABLE)
            pairs = [(k, v) for k, joined in form.items() for v in split_repeated(joined) or [joined]]
        except InvalidRequest as err:
            return render_error_page(deps.pages, request_locale(deps.pages, request),
                                     ErrorPage(err.error, err.description))
        # After login the browser comes back with GET, so the parameters go into the query.
        return_to = f"{AUTHORIZE_PATH}?{urllib.parse.urlencode(pairs)}"
        return respond(await run_in_threadpool(run, request, pairs, return_to), deps.pages,
                       request_locale(deps.pages, request, pairs))

    return app
