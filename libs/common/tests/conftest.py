"""Fixtures for the shared-library tests: in-process gRPC servers on free ports."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import grpc
import pytest
from authgate_common.grpc_server import create_server

Handlers = dict[str, Callable[[bytes, grpc.ServicerContext], bytes]]


class GrpcServices:
    """Starts servers whose unary methods take and return raw bytes (no stubs needed)."""

    def __init__(self) -> None:
        self.servers: list[grpc.Server] = []

    def __call__(self, name: str, handlers: Handlers) -> str:
        generic: Any = grpc.method_handlers_generic_handler(
            name, {m: grpc.unary_unary_rpc_method_handler(f) for m, f in handlers.items()})
        server, port, _health = create_server(
            0, lambda s: s.add_generic_rpc_handlers((generic,)), service_names=[name],
            host="127.0.0.1")
        self.servers.append(server)
        return f"127.0.0.1:{port}"

    def stop(self, index: int) -> None:
        self.servers[index].stop(None).wait()


@pytest.fixture
def grpc_service() -> Iterator[GrpcServices]:
    services = GrpcServices()
    yield services
    for server in services.servers:
        server.stop(None)
