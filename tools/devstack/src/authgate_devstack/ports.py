"""The ports of one local stack: `make up`'s fixed ones (`Ports.defaults`) or free ones
drawn for a test stack (`Ports.free`), per service and replica."""

from __future__ import annotations

import contextlib
import socket
from dataclasses import dataclass, field

from .gateway import SERVICES

# `make up`'s fixed ports (Ports.defaults, with room for 9 replicas): the kernel's ephemeral
# range covers 50051-50334 (gRPC, operator, the ext_authz HTTP listener), so a test stack
# drawing free ports could take one from a `make up` started beside it
# (tests/integration/test_make_up.py) and either would fail.
RESERVED_PORTS = frozenset(range(50051, 50340)) | frozenset(range(8000, 8200)) \
    | frozenset(range(9101, 9200)) | frozenset(range(9901, 9903))


def free_ports(count: int) -> list[int]:
    """`count` distinct free ports, none of `make up`'s. Every socket stays bound until all
    are drawn: one released before the next bind can be handed out again (CI once got a
    duplicate)."""
    with contextlib.ExitStack() as held:
        ports: list[int] = []
        while len(ports) < count:
            s = held.enter_context(socket.socket())
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
            if port not in RESERVED_PORTS:
                ports.append(port)
        return ports


def free_port() -> int:
    return free_ports(1)[0]


@dataclass
class Ports:
    http: dict[str, list[int]]
    grpc: dict[str, list[int]]
    gateway: int
    admin: int
    example: int = 8110
    # Prometheus /metrics of each replica; a service missing here gets 0 (off).
    metrics: dict[str, list[int]] = field(default_factory=dict)
    # The operator listener (admin RPCs, operator certificate only) of each replica.
    operator: dict[str, list[int]] = field(default_factory=dict)
    # The token service's ext_authz HTTP listener (the gateway only), per token replica.
    authz: list[int] = field(default_factory=list)

    def endpoints(self) -> dict[str, list[tuple[str, int]]]:
        """What the local gateway render needs: every replica, ext_authz's gRPC upstream
        and the example API."""
        eps = {s: [("127.0.0.1", p) for p in self.http[s]] for s in SERVICES}
        eps["token_grpc"] = [("127.0.0.1", p) for p in self.grpc["token"]]
        if self.authz:
            eps["token_authz"] = [("127.0.0.1", p) for p in self.authz]
        eps["example"] = [("127.0.0.1", self.example)]
        return eps

    @classmethod
    def defaults(cls, replicas: dict[str, int] | None = None) -> Ports:
        replicas = replicas or {}
        base_http = {"identity": 8101, "session": 8102, "authorization": 8103, "token": 8104}
        base_grpc = {"identity": 50051, "session": 50052, "authorization": 50053, "token": 50054}
        base_metrics = {"identity": 9101, "session": 9102, "authorization": 9103, "token": 9104}
        base_operator = {"identity": 50151, "session": 50152, "authorization": 50153, "token": 50154}

        def spread(base: dict[str, int]) -> dict[str, list[int]]:
            # Extra replicas take ports 10 apart: 8104, 8114, 8124 …
            return {s: [base[s] + 10 * i for i in range(replicas.get(s, 1))] for s in SERVICES}

        return cls(http=spread(base_http), grpc=spread(base_grpc), metrics=spread(base_metrics),
                   operator=spread(base_operator), gateway=8000, admin=9901,
                   authz=spread({s: 50254 for s in SERVICES})["token"])

    @classmethod
    def free(cls, replicas: dict[str, int] | None = None) -> Ports:
        counts = {s: (replicas or {}).get(s, 1) for s in SERVICES}
        pool = iter(free_ports(4 * sum(counts.values()) + counts["token"] + 3))

        def draw() -> dict[str, list[int]]:
            return {s: [next(pool) for _ in range(n)] for s, n in counts.items()}

        return cls(http=draw(), grpc=draw(), metrics=draw(), operator=draw(),
                   gateway=next(pool), admin=next(pool), example=next(pool),
                   authz=[next(pool) for _ in range(counts["token"])])

    def metrics_port(self, service: str, replica: int = 0) -> int:
        ports = self.metrics.get(service, [])
        return ports[replica] if replica < len(ports) else 0
