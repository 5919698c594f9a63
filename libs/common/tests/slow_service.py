"""A tiny service run by test_graceful_shutdown: a slow HTTP route, a slow RPC and a
server stream that lasts until the drain begins (as the revocation feed does).

    python slow_service.py HTTP_PORT|none GRPC_PORT METRICS_PORT
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator

import grpc
from authgate_common.http import create_app
from authgate_common.runner import serve

SLOW_SECONDS = 1.0
draining = threading.Event()


def _sleep(_request: bytes, _context: grpc.ServicerContext) -> bytes:
    time.sleep(SLOW_SECONDS)
    return b"done"


def _watch(_request: bytes, _context: grpc.ServicerContext) -> Iterator[bytes]:
    yield b"subscribed"
    while not draining.wait(0.05):
        pass
    yield b"bye"


def main() -> None:
    http_port, grpc_port, metrics_port = sys.argv[1:4]
    app = create_app("slow")

    @app.get("/slow")
    def slow() -> dict[str, bool]:
        time.sleep(SLOW_SECONDS)
        return {"done": True}

    handler = grpc.method_handlers_generic_handler(
        "t.Slow", {"Sleep": grpc.unary_unary_rpc_method_handler(_sleep),
                   "Watch": grpc.unary_stream_rpc_method_handler(_watch)})
    serve(name="slow", grpc_port=int(grpc_port),
          register=lambda server: server.add_generic_rpc_handlers((handler,)),
          service_names=["t.Slow"], http_app=None if http_port == "none" else app,
          http_port=None if http_port == "none" else int(http_port), host="127.0.0.1",
          metrics_port=int(metrics_port),
          on_drain=draining.set, on_stop=lambda: print("resources closed", flush=True))


if __name__ == "__main__":
    main()
