"""Public HTTP routes of the token service: thin shells over the core.

POST /api/v1/oauth/token (RFC 6749 §3.2), POST /api/v1/oauth/revoke (RFC 7009),
POST /api/v1/oauth/introspect (RFC 7662), GET|POST /api/v1/userinfo/me (OIDC Core §5.3,
RFC 6750), discovery (OIDC Discovery 1.0 §4, RFC 8414 §3) and the JWKS (RFC 7517 §5);
/api/v1/admin/keys and /api/v1/admin/audit (the admin API, admin_api.py).
"""

from __future__ import annotations

import pathlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from authgate_common.core.forms import is_form, parse_form
from authgate_common.http import NO_STORE, create_app
from authgate_common.public_docs import mount_public_docs
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp

from ..domain.clients.authentication import ClientRequest
from ..domain.dpop import Presentation
from ..domain.endpoints.device_authorization import DEVICE_AUTHORIZATION_PATH, DeviceAuthorization
from ..domain.endpoints.discovery import Discovery
from ..domain.endpoints.introspection import Introspection
from ..domain.endpoints.pushed_authorization import PushedAuthorization
from ..domain.endpoints.revocation import Revocation, looks_like_jwt
from ..domain.endpoints.token_endpoint import TokenEndpoint
from ..domain.endpoints.userinfo import UserInfo
from ..domain.grants.base import TokenResponse
from ..domain.keys.key_ring import KeySource
from ..domain.scopes import FixedCatalog
from .bearer import presented_token
from .conditional import cacheable_json, strong_etag
from .device_openapi import DEVICE_AUTHORIZATION_REQUEST_BODY, DEVICE_AUTHORIZATION_RESPONSES
from .fast_lane import FastLane, FormRoute, Reply, declare
from .form_request import dpop_header
from .openapi import (
    DISCOVERY_RESPONSES,
    DPOP_HEADER,
    INTROSPECTION_REQUEST_BODY,
    INTROSPECTION_RESPONSES,
    JWKS_RESPONSES,
    REVOCATION_REQUEST_BODY,
    REVOCATION_RESPONSES,
    TOKEN_REQUEST_BODY,
    TOKEN_RESPONSES,
    USERINFO_REQUEST_BODY,
    USERINFO_RESPONSES,
)
from .par_route import add_par_route

# The merged OpenAPI document of every service's public routes, served at /openapi.json
# with Swagger UI at /docs; tests/integration/test_public_openapi.py keeps it current.
PUBLIC_OPENAPI = pathlib.Path(__file__).resolve().parents[1] / "public_openapi.json"
TOKEN_PATH = "/api/v1/oauth/token"
REVOKE_PATH = "/api/v1/oauth/revoke"
INTROSPECT_PATH = "/api/v1/oauth/introspect"
USERINFO_PATH = "/api/v1/userinfo/me"


@dataclass(frozen=True)
class HttpDeps:
    token_endpoint: TokenEndpoint
    userinfo: UserInfo
    revocation: Revocation
    introspection: Introspection
    keys: KeySource  # read on every request: a rotation shows at once
    issuer: str
    jwks_cache_seconds: int = 300
    max_body_bytes: int = 65536
    admin: Sequence[APIRouter] = ()  # the admin API's keys and audit trail (admin_api.py)
    discovery: Discovery | None = None  # none: the catalogue as the migration seeds it
    # RFC 8628 §3.1; None: DEVICE_FLOW_ENABLED is off and the path answers 404.
    device_authorization: DeviceAuthorization | None = None
    # RFC 9126 §2; None: PAR_ENABLED is off and the path answers 404.
    pushed_authorization: PushedAuthorization | None = None


def create_http_app(deps: HttpDeps) -> ASGIApp:
    app = create_app("authgate token service", max_body_bytes=deps.max_body_bytes)
    # What a DPoP proof's `htu` names (RFC 9449 §4.3): the public URL, which the gateway routes here.
    userinfo_url = deps.issuer.rstrip("/") + USERINFO_PATH
    # Same bytes as a JSONResponse would send, serialised once per catalogue revision.
    discovery = deps.discovery or Discovery(deps.issuer, FixedCatalog())
    max_age = deps.jwks_cache_seconds

    # The three hot form POSTs: answered by the fast lane, declared on the app from the same route.
    form_routes = [
        FormRoute(TOKEN_PATH, lambda request: token_reply(deps.token_endpoint.handle(request)),
                  is_quick=quick_grant(deps.token_endpoint),
                  openapi=dict(name="token", tags=["oauth"], summary="Token endpoint (RFC 6749 §3.2)",
                               openapi_extra={"requestBody": TOKEN_REQUEST_BODY, "parameters": [DPOP_HEADER]},
                               responses=TOKEN_RESPONSES)),
        FormRoute(REVOKE_PATH, deps.revocation.handle,
                  openapi=dict(name="revoke", tags=["oauth"], summary="Token revocation (RFC 7009)",
                               openapi_extra={"requestBody": REVOCATION_REQUEST_BODY},
                               responses=REVOCATION_RESPONSES, response_class=Response)),
        FormRoute(INTROSPECT_PATH, deps.introspection.handle, is_quick=quick_introspection,
                  openapi=dict(name="introspect", tags=["oauth"], summary="Token introspection (RFC 7662)",
                               openapi_extra={"requestBody": INTROSPECTION_REQUEST_BODY},
                               responses=INTROSPECTION_RESPONSES)),
    ]
    if deps.device_authorization is not None:
        form_routes.append(FormRoute(
            DEVICE_AUTHORIZATION_PATH, deps.device_authorization.handle,
            openapi=dict(name="device_authorization", tags=["oauth"],
                         summary="Device authorization endpoint (RFC 8628 §3.1)",
                         openapi_extra={"requestBody": DEVICE_AUTHORIZATION_REQUEST_BODY},
                         responses=DEVICE_AUTHORIZATION_RESPONSES)))
    for route in form_routes:
        declare(app, route)
    if deps.pushed_authorization is not None:
        add_par_route(app, deps.pushed_authorization)

    @app.get(USERINFO_PATH, tags=["oidc"], summary="UserInfo (OIDC Core §5.3)",
             openapi_extra={"parameters": [DPOP_HEADER]}, responses=USERINFO_RESPONSES)
    def userinfo_get(request: Request) -> JSONResponse:
        scheme, token = presented_token(request.headers.get("authorization"))
        return JSONResponse(deps.userinfo.claims(token, _presentation(request, scheme, userinfo_url)),
                            headers=NO_STORE)

    @app.post(USERINFO_PATH, tags=["oidc"], summary="UserInfo (OIDC Core §5.3)",
              openapi_extra={"requestBody": USERINFO_REQUEST_BODY, "parameters": [DPOP_HEADER]},
              responses=USERINFO_RESPONSES)
    async def userinfo_post(request: Request) -> JSONResponse:
        content_type = request.headers.get("content-type")
        form_token = None
        if is_form(content_type):
            form_token = parse_form(content_type, await request.body()).get("access_token")
        scheme, token = presented_token(request.headers.get("authorization"), form_token)
        claims = await run_in_threadpool(deps.userinfo.claims, token,
                                         _presentation(request, scheme, userinfo_url))
        return JSONResponse(claims, headers=NO_STORE)

    @app.get("/.well-known/openid-configuration", tags=["discovery"],
             summary="OpenID Provider metadata (OIDC Discovery 1.0)", responses=DISCOVERY_RESPONSES)
    def openid_configuration(request: Request) -> Response:
        metadata = discovery.document()
        return cacheable_json(metadata, strong_etag(metadata), max_age, request.headers.get("if-none-match"))

    @app.get("/.well-known/oauth-authorization-server", tags=["discovery"],
             summary="Authorization server metadata (RFC 8414)", responses=DISCOVERY_RESPONSES)
    def oauth_authorization_server(request: Request) -> Response:
        metadata = discovery.document()
        return cacheable_json(metadata, strong_etag(metadata), max_age, request.headers.get("if-none-match"))

    @app.get("/.well-known/jwks.json", tags=["discovery"], summary="Public signing keys (RFC 7517)",
             responses=JWKS_RESPONSES)
    def jwks(request: Request) -> Response:
        # JWKS_CACHE_SECONDS bounds how stale a verifier's copy is; the key lifecycle
        # publishes a key longer than that before it signs (domain/keys/key_lifecycle.py).
        keys = deps.keys.current()
        return cacheable_json(keys.jwks_json, keys.etag, max_age, request.headers.get("if-none-match"))

    for router in deps.admin:
        app.include_router(router)
    mount_public_docs(app, PUBLIC_OPENAPI)
    return FastLane(app, form_routes, max_body_bytes=deps.max_body_bytes)



def token_reply(response: TokenResponse) -> Reply | dict[str, Any]:
    """The token response's body, with the next DPoP nonce when there is one (RFC 9449 §8.2)."""
    body = response.to_dict()
    return Reply(body, {"DPoP-Nonce": response.dpop_nonce}) if response.dpop_nonce else body


def _presentation(request: Request, scheme: str, url: str) -> Presentation:
    """How the access token came (RFC 9449 §7.1): scheme, DPoP header, method, public URL."""
    return Presentation(scheme, dpop_header(request.headers.getlist("dpop")), request.method, url)


# Grants answered without the database: client_credentials signs a token and writes no
# row. authorization_code (consumes the code over gRPC, records the jti in PostgreSQL)
# and refresh_token (rotates under a row lock) may wait on PostgreSQL.
QUICK_GRANTS = frozenset({"client_credentials"})


def quick_grant(endpoint: TokenEndpoint) -> Callable[[ClientRequest], bool]:
    """A /token request is quick when its grant is; one naming no grant we serve is
    refused before any store is touched, so it is quick too."""
    served = frozenset(endpoint.grant_types)

    def is_quick(request: ClientRequest) -> bool:
        grant_type = request.params.get("grant_type", "")
        return grant_type in QUICK_GRANTS or grant_type not in served
    return is_quick


def quick_introspection(request: ClientRequest) -> bool:
    """An access token (a JWT) is validated from memory and one Redis round trip; a refresh
    token is looked up in PostgreSQL."""
    return looks_like_jwt(request.params.get("token", ""))
