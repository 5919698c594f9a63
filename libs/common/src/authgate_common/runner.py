"""Run one service process: its gRPC servers (the internal listener and the operator
listener, both mutual TLS with their allow-lists), its public HTTP app where it has one,
and its Prometheus metrics port. Every listener binds `host` (loopback by default).

SIGTERM (what Kubernetes and docker send) or SIGINT starts a drain at once: the gRPC
health status turns NOT_SERVING, both servers stop accepting new work, requests in
flight get up to `grace_seconds` to finish, then the process closes its resources and
exits 0.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType

import grpc
import uvicorn
from grpc_health.v1 import health
from starlette.types import ASGIApp

from . import metrics
from .grpc_access import INTERNAL, OPERATOR_PLANE, AccessTable, DenialHook, InternalTls
from .grpc_server import Listener, create_server

log = logging.getLogger(__name__)
SIGNALS = (signal.SIGTERM, signal.SIGINT)


class _Drain:
    """Stops the gRPC servers once, gracefully; safe to start from any thread, many times."""

    def __init__(self, servers: list[grpc.Server], health_servicer: health.HealthServicer,
                 grace: float, on_drain: Callable[[], None] | None) -> None:
        self._servers = servers
        self._health = health_servicer
        self._grace = grace
        self._on_drain = on_drain
        self._lock = threading.Lock()
        self._stopped: list[threading.Event] | None = None
        self._hooked = threading.Event()
        self.requested = threading.Event()

    def start(self) -> None:
        with self._lock:
            if self._stopped is not None:
                return
            self.requested.set()
            self._health.enter_graceful_shutdown()
            self._stopped = [server.stop(grace=self._grace) for server in self._servers]
        if self._on_drain is not None:
            try:
                self._on_drain()
            except Exception:  # noqa: BLE001 - the drain goes on whatever a hook does
                log.exception("on_drain failed")
        self._hooked.set()

    def start_soon(self) -> None:
        # Called from signal handlers: do the locking work off the interrupted main thread.
        threading.Thread(target=self.start, name="grpc-drain", daemon=True).start()

    def wait(self) -> None:
        self.start()
        assert self._stopped is not None
        self._hooked.wait()
        for stopped in self._stopped:
            stopped.wait()


class _HttpServer(uvicorn.Server):
    """uvicorn, which also starts the gRPC drain the moment a signal arrives."""

    def __init__(self, config: uvicorn.Config, on_exit: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_exit = on_exit

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self._on_exit()
        super().handle_exit(sig, frame)


def serve(
    *,
    name: str,
    grpc_port: int,
    register: Callable[[grpc.Server], None],
    service_names: list[str],
    http_app: ASGIApp | None = None,
    http_port: int | None = None,
    host: str = "127.0.0.1",
    tls: InternalTls | None = None,
    access: AccessTable | None = None,
    operator_port: int | None = None,
    on_denied: DenialHook | None = None,
    max_workers: int = 16,
    on_stop: Callable[[], None] | None = None,
    metrics_port: int | None = None,
    grace_seconds: float = 10,
    on_drain: Callable[[], None] | None = None,
) -> None:
    """Serve until SIGTERM/SIGINT, then drain; metrics_port None or 0: no metrics port.

    `tls` None is plaintext with no caller check (GRPC_INSECURE_PLAINTEXT, benchmarks);
    `operator_port` None or 0: no operator listener.

    on_drain runs once the drain has begun (new RPCs are refused): end long-lived server
    streams there, so their clients move to another replica now rather than after the
    grace period. on_stop runs after both servers have stopped.
    """
    metrics.set_service(name)
    metrics_server = metrics.start_server(metrics_port, host) if metrics_port else None
    if metrics_server is not None:
        log.info("%s metrics on %s:%d/metrics", name, host, metrics_server.server_port)
    if tls is None:
        log.warning("%s gRPC is PLAINTEXT with no caller check (GRPC_INSECURE_PLAINTEXT): "
                    "for benchmarks only", name)
    table = access or {}
    server, bound, health_servicer = create_server(
        grpc_port, register, service_names=service_names, max_workers=max_workers, host=host,
        listener=Listener(tls, table, INTERNAL, on_denied))
    servers = [server]
    log.info("%s gRPC listening on %s:%d (%s)", name, host, bound,
             "mutual TLS" if tls else "plaintext")
    if operator_port:
        operator, op_bound, _ = create_server(
            operator_port, register, service_names=service_names, max_workers=4, host=host,
            listener=Listener(tls, table, OPERATOR_PLANE, on_denied))
        servers.append(operator)
        log.info("%s operator gRPC listening on %s:%d", name, host, op_bound)
    drain = _Drain(servers, health_servicer, grace_seconds, on_drain)
    # Ours stay installed around uvicorn's: it re-raises the signal it handled once it has
    # drained, and the default SIGTERM action would kill the process before gRPC drains.
    for sig in SIGNALS:
        signal.signal(sig, lambda *_: drain.start_soon())
    try:
        if http_app is None or http_port is None:
            drain.requested.wait()
        else:
            config = uvicorn.Config(http_app, host=host, port=http_port, log_config=None,
                                    access_log=False, proxy_headers=False,
                                    timeout_graceful_shutdown=int(grace_seconds))
            log.info("%s HTTP listening on %s:%d", name, host, http_port)
            _HttpServer(config, drain.start_soon).run()  # returns once HTTP requests drained
    finally:
        drain.wait()
        log.info("%s stopped", name)
        if on_stop:
            on_stop()
        if metrics_server is not None:
            metrics_server.shutdown()
