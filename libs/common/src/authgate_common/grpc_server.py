"""gRPC server factory: health service, error and telemetry interceptors; client channels."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent import futures
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from .errors import DESCRIPTION_KEY, ERROR_KEY, OAuthError, raise_from_rpc_error
from .grpc_telemetry import RequestIdInterceptor, TelemetryInterceptor

log = logging.getLogger(__name__)


def _abort_with(context: grpc.ServicerContext, err: OAuthError) -> None:
    md = [(ERROR_KEY, err.error), (DESCRIPTION_KEY, err.description)]
    md += [(k, v) for k, v in err.metadata.items()]
    context.set_trailing_metadata(md)
    context.abort(err.grpc_code, err.description)


class ErrorInterceptor(grpc.ServerInterceptor):
    """Turns OAuthError into its gRPC status; anything else into INTERNAL without detail."""

    def intercept_service(self, continuation, handler_call_details):  # type: ignore[no-untyped-def]
        handler = continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        inner = handler.unary_unary
        method = handler_call_details.method

        def wrapper(request: Any, context: grpc.ServicerContext) -> Any:
            try:
                return inner(request, context)
            except OAuthError as err:
                if err.status_code >= 500:
                    log.warning("%s failed: %s", method, err)
                _abort_with(context, err)
            except Exception as exc:  # noqa: BLE001 - the last line of defence
                if isinstance(exc, grpc.RpcError) or type(exc).__name__ == "_AbortError":
                    raise
                # Imported here: it pulls in the database and Redis drivers, which the
                # CLI (a client of this module's `channel`) never needs to load.
                from .outages import as_outage

                outage = as_outage(exc)
                if outage is None:
                    log.exception("%s crashed", method)
                else:
                    log.warning("%s failed: %s (%s)", method, outage, exc)
                _abort_with(context, outage or OAuthError())

        return grpc.unary_unary_rpc_method_handler(
            wrapper,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


def create_server(
    port: int,
    register: Callable[[grpc.Server], None],
    *,
    service_names: list[str],
    max_workers: int = 16,
    host: str = "0.0.0.0",
) -> tuple[grpc.Server, int, health.HealthServicer]:
    """A threaded gRPC server with grpc.health.v1 and the error interceptor, started.

    Telemetry (metrics, request id) wraps the error interceptor, so it sees the final code.
    """
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=max_workers),
        interceptors=[TelemetryInterceptor(), ErrorInterceptor()],
        options=[("grpc.so_reuseport", 0)],
    )
    register(server)
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    bound = server.add_insecure_port(f"{host}:{port}")
    if bound == 0:
        raise RuntimeError(f"cannot bind gRPC port {port}")
    server.start()
    for name in ["", *service_names]:
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    return server, bound, health_servicer


def channel(target: str) -> grpc.Channel:
    """A channel to another service; every call on it carries the current x-request-id.

    `target` may list replicas (`ipv4:127.0.0.1:50054,127.0.0.1:50064`) or be a DNS name
    that resolves to several (a headless Service): calls are spread over all of them.
    """
    raw = grpc.insecure_channel(
        target,
        # Round robin over every address a dns:/// target resolves to (each replica).
        options=[("grpc.keepalive_time_ms", 30000), ("grpc.enable_retries", 1),
                 ("grpc.lb_policy_name", "round_robin")],
    )
    return grpc.intercept_channel(raw, RequestIdInterceptor())


class RpcClient:
    """Calls another service with a deadline and turns its errors back into OAuthError."""

    def __init__(self, stub: Any, timeout: float) -> None:
        self._stub = stub
        self._timeout = timeout

    def call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self._stub, method)(request, timeout=self._timeout)
        except grpc.RpcError as exc:
            raise_from_rpc_error(exc)
            raise  # unreachable: raise_from_rpc_error always raises
