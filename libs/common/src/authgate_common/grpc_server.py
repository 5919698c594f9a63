"""gRPC server factory: health service, access, error and telemetry interceptors; client
channels. Both sides speak mutual TLS when given an InternalTls (authgate_common.grpc_access)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from .core.errors import DESCRIPTION_KEY, ERROR_KEY, OAuthError
from .grpc_access import INTERNAL, AccessInterceptor, AccessTable, DenialHook, InternalTls
from .grpc_errors import encode_description, raise_from_rpc_error, status_of
from .grpc_telemetry import RequestIdInterceptor, TelemetryInterceptor
from .renewing_channel import RenewingChannel
from .settings import BaseServiceSettings

log = logging.getLogger(__name__)


def _abort_with(context: grpc.ServicerContext, err: OAuthError) -> None:
    md = [(ERROR_KEY, err.error), (DESCRIPTION_KEY, encode_description(err.description))]
    md += [(k, v) for k, v in err.metadata.items()]
    context.set_trailing_metadata(md)
    context.abort(status_of(err), err.description)


def _aborted(context: grpc.ServicerContext, exc: Exception) -> bool:
    """`context.abort()` was called (by the access check or a servicer): gRPC raises a bare
    Exception once the status is set, which must pass through untouched."""
    if type(exc).__name__ == "_AbortError":
        return True
    return type(exc) is Exception and not exc.args and context.code() is not None


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
                if isinstance(exc, grpc.RpcError) or _aborted(context, exc):
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


@dataclass(frozen=True)
class Listener:
    """How one gRPC listener admits callers: mutual TLS with `tls`, and the allow-list
    `access` for its `plane` (grpc_access). `tls=None` is plaintext with no caller check,
    for tests of a servicer's logic and `make bench`'s measurement of what TLS costs."""

    tls: InternalTls | None
    access: AccessTable
    plane: str = INTERNAL
    on_denied: DenialHook | None = None


def create_server(
    port: int,
    register: Callable[[grpc.Server], None],
    *,
    service_names: list[str],
    max_workers: int = 16,
    host: str = "127.0.0.1",
    listener: Listener | None = None,
) -> tuple[grpc.Server, int, health.HealthServicer]:
    """A threaded gRPC server with grpc.health.v1 and the error interceptor, started.

    Telemetry (metrics, request id) wraps the error interceptor and the access check, so
    it sees the final code, refusals included. Without `listener`: plaintext, unchecked.
    """
    # Innermost, the access check wraps the registered handler itself (one wrapper per
    # method, built once); its refusal passes through the error interceptor untouched.
    interceptors: list[grpc.ServerInterceptor] = [TelemetryInterceptor(), ErrorInterceptor()]
    if listener is not None and listener.tls is not None:
        interceptors.append(AccessInterceptor(listener.access, listener.plane,
                                              trust_domain=listener.tls.trust_domain,
                                              on_denied=listener.on_denied))
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=max_workers),
        interceptors=interceptors,
        options=[("grpc.so_reuseport", 0)],
    )
    register(server)
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    address = f"{host}:{port}"
    if listener is not None and listener.tls is not None:
        bound = server.add_secure_port(address, listener.tls.server_credentials())
    else:
        bound = server.add_insecure_port(address)
    if bound == 0:
        raise RuntimeError(f"cannot bind gRPC port {address}")
    server.start()
    for name in ["", *service_names]:
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    return server, bound, health_servicer


def channel(target: str, tls: InternalTls | None = None, server: str | None = None) -> grpc.Channel:
    """A channel to another service; every call on it carries the current x-request-id.

    With `tls`, mutual TLS: this workload's certificate is presented, and the server must
    prove to be `server` (a workload name, checked against its certificate's SAN).
    `target` may list replicas (`ipv4:127.0.0.1:50054,127.0.0.1:50064`) or be a DNS name
    that resolves to several (a headless Service): calls are spread over all of them.
    """
    # Round robin over every address a dns:/// target resolves to (each replica).
    # A restarted peer is found again within seconds: gRPC's own reconnect back-off grows
    # to two minutes, and calls fail fast (UNAVAILABLE) all that while.
    options: list[tuple[str, Any]] = [("grpc.keepalive_time_ms", 30000), ("grpc.enable_retries", 1),
                                      ("grpc.lb_policy_name", "round_robin"),
                                      ("grpc.max_reconnect_backoff_ms", 5000)]
    if tls is None:
        raw = grpc.insecure_channel(target, options=options)
    else:
        if not server:
            raise ValueError("a mutual-TLS channel needs the server's workload name")
        raw = grpc.secure_channel(target, tls.channel_credentials(),
                                  options=options + tls.channel_options(server))
    return grpc.intercept_channel(raw, RequestIdInterceptor())


def internal_tls(settings: BaseServiceSettings) -> InternalTls | None:
    """This service's mutual-TLS material; None only under GRPC_INSECURE_PLAINTEXT."""
    if settings.GRPC_INSECURE_PLAINTEXT:
        return None
    return InternalTls.in_dir(settings.tls_dir, settings.GRPC_TRUST_DOMAIN)


def channel_to(settings: BaseServiceSettings, service: str) -> grpc.Channel:
    """A channel from this service to `service` (its `<SERVICE>_GRPC_TARGET`), mutual TLS,
    which presents the renewed certificate once its files change (a service keeps its
    channels for its whole life)."""
    target, tls = getattr(settings, f"{service.upper()}_GRPC_TARGET"), internal_tls(settings)
    if tls is None:
        return channel(target)
    return RenewingChannel(lambda: channel(target, tls, service), tls.files)


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
