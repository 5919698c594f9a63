"""gRPC interceptors: request metrics and the request id, on the server and on the client.

Server side, `with_telemetry` wraps each method outside the error mapping, so the code it counts
is the status the caller receives (an OAuthError already mapped, a crash as INTERNAL).
It puts the caller's `x-request-id` metadata (gRPC over HTTP/2 carries it as a header,
RFC 9113 §8.2) in the request_id contextvar for the handler's thread. Client side,
RequestIdInterceptor sends the current id on every call, so the id crosses each hop.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import grpc

from . import metrics, request_id


def _code(context: grpc.ServicerContext, failed: bool) -> str:
    code = context.code()  # set by abort()/set_code(); None means the handler left it at OK
    if code is None:
        if failed and not context.is_active():
            return "CANCELLED"  # the caller went away (or its deadline passed) mid-stream
        return "UNKNOWN" if failed else "OK"
    return code.name


def _incoming_id(context: grpc.ServicerContext) -> str:
    for key, value in context.invocation_metadata() or ():
        if key == request_id.HEADER:
            return request_id.accept(value)
    return request_id.new()


def with_telemetry(handler: grpc.RpcMethodHandler, full_method: str) -> grpc.RpcMethodHandler:
    """`handler` counted by final code (unary ones timed) with the request id scoped.

    Applied once per method when it is registered (grpc_server.create_server), outside the
    error mapping and the access check, so it sees the final code, refusals included:
    a server interceptor would be consulted on every call (bench/NOTES.md, items 17, 33)."""
    method = full_method.lstrip("/")
    codec = {"request_deserializer": handler.request_deserializer,
             "response_serializer": handler.response_serializer}
    if handler.unary_unary is not None:
        return grpc.unary_unary_rpc_method_handler(_unary(handler.unary_unary, method), **codec)
    if handler.unary_stream is not None:
        return grpc.unary_stream_rpc_method_handler(
            _streaming(handler.unary_stream, method), **codec)
    if handler.stream_unary is not None:
        return grpc.stream_unary_rpc_method_handler(_unary(handler.stream_unary, method), **codec)
    return grpc.stream_stream_rpc_method_handler(
        _streaming(handler.stream_stream, method), **codec)


def _unary(inner: Callable[..., Any], method: str) -> Callable[..., Any]:
    def wrapper(request: Any, context: grpc.ServicerContext) -> Any:
        token = request_id.current.set(_incoming_id(context))
        started = time.perf_counter()
        failed = True
        try:
            response = inner(request, context)
            failed = False
            return response
        finally:
            metrics.record_grpc(method, _code(context, failed), time.perf_counter() - started)
            request_id.current.reset(token)
    return wrapper


def _streaming(inner: Callable[..., Any], method: str) -> Callable[..., Any]:
    # A stream can stay open for hours (the revocation feed): counted, not timed.
    def wrapper(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        token = request_id.current.set(_incoming_id(context))
        failed = True
        try:
            yield from inner(request, context)
            failed = False
        finally:
            metrics.record_grpc(method, _code(context, failed), None)
            request_id.current.reset(token)
    return wrapper


class _CallDetails(NamedTuple):
    method: str
    timeout: float | None
    metadata: Any
    credentials: Any
    wait_for_ready: bool | None
    compression: Any


class _Details(_CallDetails, grpc.ClientCallDetails):
    pass


def _with_request_id(details: grpc.ClientCallDetails) -> grpc.ClientCallDetails:
    rid = request_id.get()
    metadata = list(details.metadata or ())
    if rid is None or any(k == request_id.HEADER for k, _ in metadata):
        return details
    metadata.append((request_id.HEADER, rid))
    return _Details(details.method, details.timeout, metadata, details.credentials,
                    getattr(details, "wait_for_ready", None), getattr(details, "compression", None))


class RequestIdInterceptor(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor,
                           grpc.StreamUnaryClientInterceptor, grpc.StreamStreamClientInterceptor):
    """Sends the current request id as `x-request-id` metadata on every outbound call."""

    def intercept_unary_unary(self, continuation, client_call_details, request):  # type: ignore[no-untyped-def]
        return continuation(_with_request_id(client_call_details), request)

    def intercept_unary_stream(self, continuation, client_call_details, request):  # type: ignore[no-untyped-def]
        return continuation(_with_request_id(client_call_details), request)

    def intercept_stream_unary(self, continuation, client_call_details, request_iterator):  # type: ignore[no-untyped-def]
        return continuation(_with_request_id(client_call_details), request_iterator)

    def intercept_stream_stream(self, continuation, client_call_details, request_iterator):  # type: ignore[no-untyped-def]
        return continuation(_with_request_id(client_call_details), request_iterator)
