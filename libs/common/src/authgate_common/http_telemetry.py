"""ASGI middleware: request id in, request metrics out, for every public HTTP app.

The id comes from Envoy's `x-request-id` header (a new uuid4 when absent or malformed)
and is echoed on the response so a client can quote it. Requests are counted by route
template (`/api/v1/sessions/{sid}`), never the raw path, so the number of series stays
bounded whatever paths clients send; a path no route knows is "unmatched".
"""

from __future__ import annotations

import time

from starlette.routing import Match, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import metrics, request_id

UNMATCHED = "unmatched"
# Any other method token is counted as "other": clients must not be able to mint series.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_template(scope: Scope, router: Router | None = None) -> str:
    # FastAPI's router stores the matched route in the scope; its .path is the template.
    route = scope.get("route")
    if route is None and router is not None:
        # Answered before routing (a 413 from the body limit): match the path ourselves.
        route = next((r for r in router.routes
                      if r.matches(dict(scope))[0] != Match.NONE), None)
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


def _method(scope: Scope) -> str:
    method = scope.get("method", "")
    return method if method in METHODS else "other"


class TelemetryMiddleware:
    def __init__(self, app: ASGIApp, router: Router | None = None) -> None:
        self.app = app
        self.router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope.get("headers", []):
            if name == request_id.HEADER.encode():
                incoming = value
                break
        rid = request_id.accept(incoming)
        token = request_id.current.set(rid)
        status = 500  # what the client gets if the app raises before starting a response
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() != request_id.HEADER.encode()]
                headers.append((request_id.HEADER.encode(), rid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            metrics.record_http(route_template(scope, self.router), _method(scope), status,
                                time.perf_counter() - started)
            request_id.current.reset(token)
