"""The login page's client directory (adapters/client_directory.py): DescribeClient answers
are remembered for a while, unknown clients too (as None), within a bounded cache; a
registry that cannot answer gives no name and is asked again a few seconds later."""

from __future__ import annotations

import grpc
from authgate.authorization.v1 import authorization_pb2 as pb
from authgate_common.core.errors import NotFound, TemporarilyUnavailable
from identity_service.adapters.client_directory import GrpcClientDirectory
from identity_service.domain.clients import ClientInfo


class FakeRpc:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.down = False

    def call(self, method: str, request: pb.DescribeClientRequest) -> pb.DescribeClientResponse:
        assert method == "DescribeClient"
        self.calls.append(request.client_id)
        if self.down:
            raise TemporarilyUnavailable(detail="down")
        if request.client_id.startswith("ghost"):
            raise NotFound()
        return pb.DescribeClientResponse(client_id=request.client_id, name=f"App {request.client_id}",
                                         require_mfa=request.client_id == "strict")


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


def directory(clock: Clock, max_entries: int = 1024) -> tuple[GrpcClientDirectory, FakeRpc]:
    found = GrpcClientDirectory(grpc.insecure_channel("127.0.0.1:9"), 1.0, ttl_seconds=60,
                                max_entries=max_entries, clock=clock)
    rpc = FakeRpc()
    found._rpc = rpc  # type: ignore[assignment]
    return found, rpc


def test_answers_and_unknown_clients_are_remembered_for_the_ttl() -> None:
    clock = Clock()
    clients, rpc = directory(clock)
    assert clients.describe("strict") == ClientInfo("strict", "App strict", require_mfa=True)
    assert clients.describe("ghost") is None
    assert clients.describe("strict") and clients.describe("ghost") is None
    assert rpc.calls == ["strict", "ghost"]
    clock.now += 61
    clients.describe("strict")
    assert rpc.calls == ["strict", "ghost", "strict"]


def test_an_unavailable_registry_gives_no_name_and_is_asked_again_soon() -> None:
    clock = Clock()
    clients, rpc = directory(clock)
    rpc.down = True
    assert clients.describe("web") is None
    rpc.down = False
    assert clients.describe("web") is None  # not asked again at once: a dead peer costs one deadline
    clock.now += 6
    assert clients.describe("web") == ClientInfo("web", "App web")
    assert rpc.calls == ["web", "web"]


def test_empty_or_oversized_ids_are_not_asked_and_the_cache_is_bounded() -> None:
    clients, rpc = directory(Clock(), max_entries=3)
    assert clients.describe("") is None and clients.describe("x" * 256) is None
    assert rpc.calls == []
    for i in range(10):
        clients.describe(f"ghost-{i}")
    assert len(clients._cache) == 3
