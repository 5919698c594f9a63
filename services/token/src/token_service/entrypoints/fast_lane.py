"""The hot form POSTs of the token service, answered straight from ASGI ahead of FastAPI's stack.

`/token`, `/introspect` and `/revoke` take a form body and an Authorization header, read
them once into a typed request (form_request.py), hand that to a core that knows nothing
of HTTP, and answer JSON. Through FastAPI each such request paid for the middleware
stack, routing, dependency solving and a thread-pool hand-off — several times the cost of
the work itself (bench/NOTES.md, item 15). The fast lane does, for exactly those routes
and only for POST, what that stack did for them and nothing else:

- the request id (Envoy's `x-request-id`, echoed; authgate_common.request_id),
- the caller's address as the default `source` of audit rows (audit.current_source),
- the body limit (413 whether or not Content-Length is sent),
- the same error mapping as every app's exception handlers (http.error_response),
- `Cache-Control: no-store` on every answer (RFC 6749 §5.1),
- the same request metrics, labelled with the route's path.

Every other method and path goes to the wrapped app unchanged. Each route is one
`FormRoute`, declared on the app too (`declare`), so the OpenAPI document and the
405 answers come from the same place.

A request runs on the event loop when its route's `is_quick` says, from the parsed
parameters, that it needs no database (client_credentials; introspecting a JWT): its
only waits are a Redis round trip or two and, on a cache miss, one call to another
service — shorter than the thread hand-off they would otherwise pay, and on a GIL-bound
process a thread buys no parallelism. Anything that may wait on PostgreSQL (a row lock,
a commit) goes to a worker thread, so one slow request does not hold up the others.
Should a quick request turn out slow (a Redis that hangs until its socket timeout),
every request goes to worker threads for the next `slow_backoff` seconds, so one hung
store holds up the loop once, not on every request. The health probes are gRPC, on
their own threads (k8s/), so they never wait.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from authgate_common import metrics, request_id
from authgate_common.core.audit import current_source
from authgate_common.core.client_address import client_address
from authgate_common.http import (
    NO_STORE,
    BodyTooLarge,
    check_declared_length,
    error_response,
    too_large_response,
)
from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..domain.clients.authentication import ClientRequest
from .form_request import dpop_header, form_request

log = logging.getLogger(__name__)

# The parsed request -> the JSON body of a 200 (or a Reply: with headers), or None for an empty 200.
FormHandler = Callable[[ClientRequest], Any]
# The parsed request -> whether it may be answered on the event loop.
QuickTest = Callable[[ClientRequest], bool]


@dataclass(frozen=True)
class Reply:
    """A FormHandler's JSON body with headers of its own (e.g. DPoP-Nonce, RFC 9449 §8.2)."""

    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)


def answer(result: Any) -> Response:
    """A FormHandler's result as its 200: the JSON body, or empty; never cached."""
    if isinstance(result, Reply):
        return JSONResponse(result.body, headers={**NO_STORE, **result.headers})
    return JSONResponse(result, headers=NO_STORE) if result is not None else Response(headers=NO_STORE)


@dataclass(frozen=True)
class FormRoute:
    path: str
    handler: FormHandler
    is_quick: QuickTest | None = None  # None: always in a worker thread
    openapi: Mapping[str, Any] = field(default_factory=dict)  # FastAPI's route arguments


def declare(app: FastAPI, route: FormRoute) -> None:
    """The route on the app, for its OpenAPI entry and the other methods' 405; its POST is
    reached only by a request that bypassed the fast lane (which answers every one)."""
    app.post(route.path, **route.openapi)(_declared(route))


def _declared(route: FormRoute) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        parsed = form_request(request.headers.get("content-type"), await request.body(),
                              request.headers.get("authorization"),
                              dpop_header(request.headers.getlist("dpop")))
        return answer(await run_in_threadpool(route.handler, parsed))
    return endpoint


_RID_HEADER = request_id.HEADER.encode()


class FastLane:
    def __init__(self, app: ASGIApp, routes: Sequence[FormRoute], *, max_body_bytes: int,
                 slow_seconds: float = 0.1, slow_backoff: float = 10.0) -> None:
        self.app = app
        self._routes = {r.path: r for r in routes}
        self._max = max_body_bytes
        self._slow = slow_seconds
        self._backoff = slow_backoff
        self._threads_until = 0.0  # time.monotonic() before which nothing runs on the loop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self._routes.get(scope.get("path", "")) if scope["type"] == "http" else None
        if route is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        content_type = authorization = rid_in = external = forwarded = None
        length = b""
        dpop: list[str] = []  # every DPoP header: more than one is refused (form_request.dpop_header)
        # The first of a repeated header counts, as with Starlette's request.headers.get().
        for name, value in scope["headers"]:
            if name == b"content-type" and content_type is None:
                content_type = value.decode("latin-1")
            elif name == b"authorization" and authorization is None:
                authorization = value.decode("latin-1")
            elif name == b"content-length" and not length:
                length = value
            elif name == b"x-request-id" and rid_in is None:
                rid_in = value
            elif name == b"x-envoy-external-address" and external is None:
                external = value.decode("latin-1")
            elif name == b"x-forwarded-for" and forwarded is None:
                forwarded = value.decode("latin-1")
            elif name == b"dpop":
                dpop.append(value.decode("latin-1"))
        rid = request_id.accept(rid_in)
        rid_token = request_id.current.set(rid)
        peer = scope.get("client")
        source_token = current_source.set(client_address(external, forwarded, peer[0] if peer else None))
        status = 500  # if sending the response fails
        try:
            try:
                body = await self._body(receive, length)
                if body is None:  # the client went away mid-body: nothing to answer
                    status = 499
                    return
                request = form_request(content_type, body, authorization, dpop_header(dpop))
                if (route.is_quick is not None and time.monotonic() >= self._threads_until
                        and route.is_quick(request)):
                    result = self._inline(route, request)
                else:
                    result = await run_in_threadpool(route.handler, request)
                response = answer(result)
            except BodyTooLarge:
                response = too_large_response()
            except Exception as exc:  # noqa: BLE001 - mapped exactly as the app's handlers map it
                response = error_response(exc)
            response.raw_headers.append((_RID_HEADER, rid.encode()))
            status = response.status_code
            await response(scope, receive, send)
        finally:
            current_source.reset(source_token)
            request_id.current.reset(rid_token)
            metrics.record_http(route.path, "POST", status, time.perf_counter() - started)

    def _inline(self, route: FormRoute, request: ClientRequest) -> Any:
        started = time.monotonic()
        try:
            return route.handler(request)
        finally:
            took = time.monotonic() - started
            if took > self._slow:
                self._threads_until = time.monotonic() + self._backoff
                log.warning("a quick %s took %.0f ms on the event loop: worker threads for %.0f s",
                            route.path, took * 1000, self._backoff)

    async def _body(self, receive: Receive, length: bytes) -> bytes | None:
        if length:
            check_declared_length(length, self._max)
        chunks: list[bytes] = []
        seen = 0
        while True:
            message: Message = await receive()
            if message["type"] != "http.request":  # http.disconnect
                return None
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self._max:
                raise BodyTooLarge()
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
