"""Public HTTP routes of the token service: thin shells over the core.

POST /api/v1/oauth/token (RFC 6749 §3.2), POST /api/v1/oauth/revoke (RFC 7009),
POST /api/v1/oauth/introspect (RFC 7662), GET|POST /api/v1/userinfo/me (OIDC Core §5.3,
RFC 6750), discovery (OIDC Discovery 1.0 §4, RFC 8414 §3) and the JWKS (RFC 7517 §5).
"""

from __future__ import annotations

import json
import pathlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from authgate_common.fast_lane import FastLane, HotRoute, answer
from authgate_common.http import NO_STORE, create_app
from authgate_common.public_docs import mount_public_docs
from fastapi import Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp

from ..domain.bearer import extract_bearer
from ..domain.discovery import provider_metadata
from ..domain.form import is_form, parse_form
from ..domain.introspection import Introspection
from ..domain.key_ring import KeySource
from ..domain.revocation import Revocation
from ..domain.token_endpoint import TokenEndpoint
from ..domain.userinfo import UserInfo
from .conditional import cacheable_json, strong_etag
from .openapi import (
    DISCOVERY_RESPONSES,
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

# The merged OpenAPI document of every service's public routes, served at /openapi.json
# with Swagger UI at /docs; tests/integration/test_public_openapi.py keeps it current.
PUBLIC_OPENAPI = pathlib.Path(__file__).resolve().parents[1] / "public_openapi.json"
TOKEN_PATH = "/api/v1/oauth/token"
REVOKE_PATH = "/api/v1/oauth/revoke"
INTROSPECT_PATH = "/api/v1/oauth/introspect"


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


def create_http_app(deps: HttpDeps) -> ASGIApp:
    app = create_app("authgate token service", max_body_bytes=deps.max_body_bytes)
    # Same bytes as a JSONResponse would send, serialised once; its ETag never changes.
    metadata = json.dumps(provider_metadata(deps.issuer), separators=(",", ":"))
    metadata_etag = strong_etag(metadata)
    max_age = deps.jwks_cache_seconds

    # The three hot form POSTs are answered by the fast lane (authgate_common.fast_lane);
    # they stay declared here, for the OpenAPI document and the other methods' 405.
    hot = [HotRoute(TOKEN_PATH, lambda ct, body, auth: deps.token_endpoint.handle(ct, body, auth).to_dict(),
                    is_quick=deps.token_endpoint.is_quick),
           HotRoute(REVOKE_PATH, deps.revocation.handle),
           HotRoute(INTROSPECT_PATH, deps.introspection.handle, is_quick=deps.introspection.is_quick)]
    declared: dict[str, dict[str, Any]] = {
        TOKEN_PATH: dict(name="token", tags=["oauth"], summary="Token endpoint (RFC 6749 §3.2)",
                         openapi_extra={"requestBody": TOKEN_REQUEST_BODY}, responses=TOKEN_RESPONSES),
        REVOKE_PATH: dict(name="revoke", tags=["oauth"], summary="Token revocation (RFC 7009)",
                          openapi_extra={"requestBody": REVOCATION_REQUEST_BODY},
                          responses=REVOCATION_RESPONSES, response_class=Response),
        INTROSPECT_PATH: dict(name="introspect", tags=["oauth"], summary="Token introspection (RFC 7662)",
                              openapi_extra={"requestBody": INTROSPECTION_REQUEST_BODY},
                              responses=INTROSPECTION_RESPONSES),
    }
    for route in hot:
        app.post(route.path, **declared[route.path])(_declared_endpoint(route))

    @app.get("/api/v1/userinfo/me", tags=["oidc"], summary="UserInfo (OIDC Core §5.3)",
             responses=USERINFO_RESPONSES)
    def userinfo_get(request: Request) -> JSONResponse:
        token = extract_bearer(request.headers.get("authorization"))
        return JSONResponse(deps.userinfo.claims(token), headers=NO_STORE)

    @app.post("/api/v1/userinfo/me", tags=["oidc"], summary="UserInfo (OIDC Core §5.3)",
              openapi_extra={"requestBody": USERINFO_REQUEST_BODY}, responses=USERINFO_RESPONSES)
    async def userinfo_post(request: Request) -> JSONResponse:
        content_type = request.headers.get("content-type")
        form_token = None
        if is_form(content_type):
            form_token = parse_form(content_type, await request.body()).get("access_token")
        token = extract_bearer(request.headers.get("authorization"), form_token)
        claims = await run_in_threadpool(deps.userinfo.claims, token)
        return JSONResponse(claims, headers=NO_STORE)

    @app.get("/.well-known/openid-configuration", tags=["discovery"],
             summary="OpenID Provider metadata (OIDC Discovery 1.0)", responses=DISCOVERY_RESPONSES)
    def openid_configuration(request: Request) -> Response:
        return cacheable_json(metadata, metadata_etag, max_age, request.headers.get("if-none-match"))

    @app.get("/.well-known/oauth-authorization-server", tags=["discovery"],
             summary="Authorization server metadata (RFC 8414)", responses=DISCOVERY_RESPONSES)
    def oauth_authorization_server(request: Request) -> Response:
        return cacheable_json(metadata, metadata_etag, max_age, request.headers.get("if-none-match"))

    @app.get("/.well-known/jwks.json", tags=["discovery"], summary="Public signing keys (RFC 7517)",
             responses=JWKS_RESPONSES)
    def jwks(request: Request) -> Response:
        # JWKS_CACHE_SECONDS bounds how stale a verifier's copy is; the key lifecycle
        # publishes a key longer than that before it signs (domain/key_lifecycle.py).
        keys = deps.keys.current()
        return cacheable_json(keys.jwks_json, keys.etag, max_age, request.headers.get("if-none-match"))

    mount_public_docs(app, PUBLIC_OPENAPI)
    return FastLane(app, hot, max_body_bytes=deps.max_body_bytes)


def _declared_endpoint(route: HotRoute) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        # Reached only if a request bypassed the fast lane (it answers every POST here).
        result = await run_in_threadpool(route.handler, request.headers.get("content-type"),
                                         await request.body(), request.headers.get("authorization"))
        return answer(result)
    return endpoint
