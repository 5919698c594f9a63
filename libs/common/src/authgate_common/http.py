"""FastAPI plumbing shared by the public HTTP apps: errors, limits, headers, health."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .audit_service import SourceAddressMiddleware
from .core.client_address import client_address
from .core.errors import (
    DPOP_CHALLENGE_KEY,
    DPOP_NONCE_KEY,
    RETRY_AFTER_KEY,
    InsufficientScope,
    InvalidClient,
    InvalidToken,
    OAuthError,
)
from .http_telemetry import TelemetryMiddleware
from .openapi import validation_as_400
from .outages import as_outage

log = logging.getLogger(__name__)

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
# No `form-action`: browsers apply it to every redirect that follows a form post, and the
# login form's post ends, through /authorize, at the client's redirect URI — an origin the
# page cannot know. Pages that do know it (consent) add their own form-action.
HTML_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def bearer_challenge(err: OAuthError | None = None, realm: str = "authgate") -> str:
    """RFC 6750 §3 WWW-Authenticate value; no error attributes when no token was sent."""
    value = f'Bearer realm="{realm}"'
    if err is not None:
        desc = err.description.replace('"', "'")
        value += f', error="{err.error}", error_description="{desc}"'
        if isinstance(err, InsufficientScope) and err.metadata.get("scope"):
            value += f', scope="{err.metadata["scope"]}"'
    return value


def dpop_challenge(err: OAuthError | None, algs: str) -> str:
    """RFC 9449 §7.1 WWW-Authenticate value for a DPoP-bound token or the DPoP scheme."""
    value = f'DPoP algs="{algs}"'
    if err is not None:
        desc = err.description.replace('"', "'")
        value += f', error="{err.error}", error_description="{desc}"'
        if isinstance(err, InsufficientScope) and err.metadata.get("scope"):
            value += f', scope="{err.metadata["scope"]}"'
    return value


def error_headers(err: OAuthError) -> dict[str, str]:
    """The headers of an error answer: no-store, the challenge (RFC 6749 §5.2, RFC 6750 §3)
    and Retry-After where the error knows it (1 s for a bare 503)."""
    headers = dict(NO_STORE)
    if isinstance(err, InvalidClient):
        headers["WWW-Authenticate"] = 'Basic realm="authgate"'
    elif err.metadata.get(DPOP_CHALLENGE_KEY):
        headers["WWW-Authenticate"] = dpop_challenge(
            None if err.metadata.get("no_token") else err, err.metadata[DPOP_CHALLENGE_KEY])
    elif isinstance(err, InvalidToken | InsufficientScope):
        headers["WWW-Authenticate"] = bearer_challenge(
            None if err.metadata.get("no_token") else err)
    if DPOP_NONCE_KEY in err.metadata:
        headers["DPoP-Nonce"] = err.metadata[DPOP_NONCE_KEY]
    if RETRY_AFTER_KEY in err.metadata:
        headers["Retry-After"] = err.metadata[RETRY_AFTER_KEY]
    elif err.status_code == 503:
        headers["Retry-After"] = "1"
    return headers


def oauth_error_response(err: OAuthError) -> JSONResponse:
    return JSONResponse(err.to_dict(), status_code=err.status_code, headers=error_headers(err))


def as_oauth_error(exc: Exception) -> OAuthError:
    """The error a request that raised `exc` answers with (logged): its own OAuth error,
    503 for a store outage, else a bare server_error."""
    if isinstance(exc, OAuthError):
        if exc.status_code >= 500:
            log.warning("request failed: %s", exc)
        return exc
    outage = as_outage(exc)
    if outage is not None:
        log.warning("request failed: %s (%s)", outage, exc)
        return outage
    log.exception("unhandled error", exc_info=exc)
    return OAuthError()


def error_response(exc: Exception) -> JSONResponse:
    """What a request that raised answers: its OAuth error, 503 for a store outage, else 500."""
    return oauth_error_response(as_oauth_error(exc))


class BodySizeLimit:
    """Refuses bodies larger than max_bytes with 413, whether or not Content-Length is sent."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            for name, value in scope.get("headers", []):
                if name == b"content-length":
                    check_declared_length(value, self.max_bytes)
        except BodyTooLarge:
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge()
            return message

        try:
            await self.app(scope, limited_receive, send)
        except BodyTooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        await too_large_response()(scope, receive, send)


def too_large_response() -> JSONResponse:
    return JSONResponse({"error": "invalid_request", "error_description": "Request body too large."},
                        status_code=413, headers=NO_STORE)


class BodyTooLarge(Exception):
    """A request body over the limit: answered with too_large_response() (413)."""


def check_declared_length(value: bytes, max_bytes: int) -> None:
    """A Content-Length over `max_bytes`, or not a number, is refused before the body is read."""
    try:
        too_big = int(value) > max_bytes
    except ValueError:
        too_big = True
    if too_big:
        raise BodyTooLarge()


def create_app(title: str, *, max_body_bytes: int = 65536, **kwargs: Any) -> FastAPI:
    """A FastAPI app with authgate's error mapping, body limit, telemetry and a /healthz route."""
    # Each app keeps its own document off the public path: the gateway serves the merged
    # document of every service at /openapi.json (see authgate_common.public_docs).
    kwargs.setdefault("openapi_url", "/openapi.service.json")
    app = FastAPI(title=title, docs_url=None, redoc_url=None, **kwargs)
    build_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        first = app.openapi_schema is None
        document = build_openapi()  # cached by FastAPI after the first call
        return validation_as_400(document) if first else document

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(OAuthError)
    async def _oauth_error(_request: Request, err: OAuthError) -> Response:
        return error_response(err)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> Response:
        fields = sorted({".".join(str(p) for p in e.get("loc", ())[1:]) for e in exc.errors()})
        desc = "Missing or malformed parameter: " + ", ".join(f for f in fields if f)[:200]
        return JSONResponse({"error": "invalid_request", "error_description": desc},
                            status_code=400, headers=NO_STORE)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "invalid_request")
        return JSONResponse({"error": code, "error_description": str(exc.detail)[:200]},
                            status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _crash(_request: Request, exc: Exception) -> Response:
        return error_response(exc)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    app.add_middleware(SourceAddressMiddleware)  # the default `source` of audit rows
    # Added last, so outermost of ours: it also counts the 413s the body limit answers.
    app.add_middleware(TelemetryMiddleware, router=app.router)
    return app


def client_ip(request: Request) -> str:
    """The caller's address as the gateway saw it (core.client_address has the rule)."""
    return client_address(request.headers.get("x-envoy-external-address"),
                          request.headers.get("x-forwarded-for"),
                          request.client.host if request.client else None)
