"""Run one service process: its gRPC server and, where it has one, its public HTTP app."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

import grpc
import uvicorn
from fastapi import FastAPI

from .grpc_server import create_server

log = logging.getLogger(__name__)


def serve(
    *,
    name: str,
    grpc_port: int,
    register: Callable[[grpc.Server], None],
    service_names: list[str],
    http_app: FastAPI | None = None,
    http_port: int | None = None,
    http_host: str = "0.0.0.0",
    max_workers: int = 16,
    on_stop: Callable[[], None] | None = None,
) -> None:
    server, bound, health = create_server(
        grpc_port, register, service_names=service_names, max_workers=max_workers)
    log.info("%s gRPC listening on :%d", name, bound)
    stopped = threading.Event()

    def shutdown() -> None:
        if stopped.is_set():
            return
        stopped.set()
        health.enter_graceful_shutdown()
        server.stop(grace=10).wait()
        if on_stop:
            on_stop()

    if http_app is None or http_port is None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stopped.set())
        stopped.wait()
        stopped.clear()
        shutdown()
        return
    config = uvicorn.Config(http_app, host=http_host, port=http_port, log_config=None,
                            access_log=False, proxy_headers=False, timeout_graceful_shutdown=10)
    uv_server = uvicorn.Server(config)
    log.info("%s HTTP listening on :%d", name, http_port)
    try:
        uv_server.run()  # handles SIGTERM/SIGINT: drains in-flight requests, then returns
    finally:
        shutdown()
