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
from .grpc_access import INTERNAL, AccessCheck, AccessTable, DenialHook, InternalTls
from .grpc_errors import encode_description, raise_from_rpc_error, status_of
from .grpc_telemetry import RequestIdInterceptor, with_telemetry
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


def with_errors(handler: grpc.RpcMethodHandler, method: str) -> grpc.RpcMethodHandler:
    """`handler` (unary-response) turning OAuthError into its gRPC status, anything else
    into INTERNAL without detail; streaming handlers are returned as they are."""
    if handler.unary_unary is None:
        return handler
    inner = handler.unary_unary

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


Wrap = Callable[[grpc.RpcMethodHandler, str], grpc.RpcMethodHandler]


def wrapping(access: AccessCheck | None) -> Wrap:
    """What every method handler of a server is wrapped in, once, at registration:
    telemetry (the final code, refusals included) around the error mapping around the
    access check around the servicer. Without `access`: no caller check (plaintext)."""
    def wrap(handler: grpc.RpcMethodHandler, method: str) -> grpc.RpcMethodHandler:
        if access is not None:
            handler = access.wrap(handler, method)
        return with_telemetry(with_errors(handler, method), method)
    return wrap


class _WrappedGeneric(grpc.GenericRpcHandler):
    """A generic handler whose method handlers come out wrapped, each built once."""

    def __init__(self, inner: grpc.GenericRpcHandler, wrap: Wrap) -> None:
        self._inner = inner
        self._wrap = wrap
        self._built: dict[str, tuple[Any, grpc.RpcMethodHandler]] = {}

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler | None:
        handler = self._inner.service(handler_call_details)
        if handler is None:
            return None  # not ours: the next generic handler, or UNIMPLEMENTED
        method = handler_call_details.method
        built = self._built.get(method)
        if built is None or built[0] is not handler:
            built = (handler, self._wrap(handler, method))
            self._built[method] = built  # a race builds it twice: harmless
        return built[1]


class Registrar:
    """The server as `register` callbacks see it: every handler added is wrapped first.

    grpcio would otherwise consult server interceptors on every call (a pipeline of Python
    calls before the handler is even found); wrapping at registration does that work once
    per method, and leaves registered methods their direct lookup (bench/NOTES.md, item 33)."""

    def __init__(self, server: grpc.Server, wrap: Wrap) -> None:
        self._server = server
        self._wrap = wrap

    def add_generic_rpc_handlers(self, handlers: Any) -> None:
        self._server.add_generic_rpc_handlers(tuple(_WrappedGeneric(h, self._wrap) for h in handlers))

    def add_registered_method_handlers(self, service: str,
                                       handlers: dict[str, grpc.RpcMethodHandler]) -> None:
        self._server.add_registered_method_handlers(
            service, {name: self._wrap(h, f"/{service}/{name}") for name, h in handlers.items()})

    def __getattr__(self, name: str) -> Any:
        return getattr(self._server, name)


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
    """A threaded gRPC server with grpc.health.v1, started; every method handler wrapped
    once at registration (`wrapping`): telemetry around the error mapping around the
    access check. Without `listener`: plaintext, unchecked."""
    access = None
    if listener is not None and listener.tls is not None:
        access = AccessCheck(listener.access, listener.plane, trust_domain=listener.tls.trust_domain,
                             on_denied=listener.on_denied)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=max_workers),
                         options=[("grpc.so_reuseport", 0)])
    registrar = Registrar(server, wrapping(access))
    register(registrar)  # type: ignore[arg-type]  # a grpc.Server to the add_* calls
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, registrar)  # type: ignore[arg-type]
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
