"""Run one service process: its gRPC server, its public HTTP app where it has one, and
its Prometheus metrics port.

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
from .grpc_server import create_server

log = logging.getLogger(__name__)
SIGNALS = (signal.SIGTERM, signal.SIGINT)


class _Drain:
    """Stops the gRPC server once, gracefully; safe to start from any thread, many times."""

    def __init__(self, server: grpc.Server, health_servicer: health.HealthServicer,
                 grace: float, on_drain: Callable[[], None] | None) -> None:
        self._server = server
        self._health = health_servicer
        self._grace = grace
        self._on_drain = on_drain
        self._lock = threading.Lock()
        self._stopped: threading.Event | None = None
        self._hooked = threading.Event()
        self.requested = threading.Event()

    def start(self) -> None:
        with self._lock:
            if self._stopped is not None:
                return
            self.requested.set()
            self._health.enter_graceful_shutdown()
            self._stopped = self._server.stop(grace=self._grace)
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
        self._stopped.wait()


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
    http_host: str = "0.0.0.0",
    max_workers: int = 16,
    on_stop: Callable[[], None] | None = None,
    metrics_port: int | None = None,
    metrics_host: str = "0.0.0.0",
    grace_seconds: float = 10,
    on_drain: Callable[[], None] | None = None,
) -> None:
    """Serve until SIGTERM/SIGINT, then drain; metrics_port None or 0: no metrics port.

    on_drain runs once the drain has begun (new RPCs are refused): end long-lived server
    streams there, so their clients move to another replica now rather than after the
    grace period. on_stop runs after both servers have stopped.
    """
    metrics.set_service(name)
    metrics_server = metrics.start_server(metrics_port, metrics_host) if metrics_port else None
    if metrics_server is not None:
        log.info("%s metrics on :%d/metrics", name, metrics_server.server_port)
    server, bound, health_servicer = create_server(
        grpc_port, register, service_names=service_names, max_workers=max_workers)
    log.info("%s gRPC listening on :%d", name, bound)
    drain = _Drain(server, health_servicer, grace_seconds, on_drain)
    # Ours stay installed around uvicorn's: it re-raises the signal it handled once it has
    # drained, and the default SIGTERM action would kill the process before gRPC drains.
    for sig in SIGNALS:
        signal.signal(sig, lambda *_: drain.start_soon())
    try:
        if http_app is None or http_port is None:
            drain.requested.wait()
        else:
            config = uvicorn.Config(http_app, host=http_host, port=http_port, log_config=None,
                                    access_log=False, proxy_headers=False,
                                    timeout_graceful_shutdown=int(grace_seconds))
            log.info("%s HTTP listening on :%d", name, http_port)
            _HttpServer(config, drain.start_soon).run()  # returns once HTTP requests drained
    finally:
        drain.wait()
        log.info("%s stopped", name)
        if on_stop:
            on_stop()
        if metrics_server is not None:
            metrics_server.shutdown()
