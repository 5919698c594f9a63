"""`make up TOKEN_REPLICAS=2` (likewise IDENTITY_, SESSION_, AUTHORIZATION_): each replica
gets its own ports, and every process is told where all replicas of each service are."""

from __future__ import annotations

import pathlib

import pytest
from authgate_devstack.__main__ import _stack
from authgate_devstack.gateway import SERVICES
from authgate_devstack.ports import Ports, free_ports
from authgate_devstack.stack import Stack


def test_replicas_come_from_the_environment_with_ports_ten_apart() -> None:
    stack = _stack({"TOKEN_REPLICAS": "2", "SESSION_REPLICAS": "3"})
    assert stack.ports.http["token"] == [8104, 8114]
    assert stack.ports.grpc["session"] == [50052, 50062, 50072]
    assert stack.ports.metrics["token"] == [9104, 9114]
    assert stack.ports.http["identity"] == [8101]


@pytest.mark.parametrize("bad", ["0", "ten", "-1", "12"])
def test_a_bad_replica_count_stops_with_a_clear_message(bad: str) -> None:
    with pytest.raises(SystemExit, match="TOKEN_REPLICAS must be a number from 1 to 9"):
        _stack({"TOKEN_REPLICAS": bad})


def test_every_process_gets_every_replica_as_its_grpc_target(tmp_path: pathlib.Path) -> None:
    ports = Ports.free({"token": 2, "session": 2})
    stack = Stack(ports=ports, env={}, workdir=tmp_path, with_example=False)
    for svc in SERVICES:
        for replica in range(len(ports.http[svc])):
            env = stack.service_env(svc, replica)
            token = ",".join(f"127.0.0.1:{p}" for p in ports.grpc["token"])
            assert env["TOKEN_GRPC_TARGET"] == f"ipv4:{token}"
            assert env["SESSION_GRPC_TARGET"].count(",") == 1
            assert env["IDENTITY_GRPC_TARGET"] == f"127.0.0.1:{ports.grpc['identity'][0]}"
            # Its own ports: this replica's, not the first one's.
            assert env[f"{svc.upper()}_HTTP_PORT"] == str(ports.http[svc][replica])
            assert env[f"{svc.upper()}_METRICS_PORT"] == str(ports.metrics[svc][replica])
    every = [p for per in (ports.http, ports.grpc, ports.metrics) for ps in per.values() for p in ps]
    assert len(set(every)) == len(every)


def test_the_gateway_balances_over_every_replica(tmp_path: pathlib.Path) -> None:
    ports = Ports.free({"token": 2})
    eps = ports.endpoints()
    assert eps["token"] == [("127.0.0.1", p) for p in ports.http["token"]]
    assert eps["token_grpc"] == [("127.0.0.1", p) for p in ports.grpc["token"]]


def test_ports_drawn_together_are_distinct() -> None:
    # Each port stays bound until all are drawn; drawn one by one, the kernel may hand
    # the same free port out twice.
    ports = free_ports(300)
    assert len(set(ports)) == 300


def test_every_port_of_make_up_is_one_a_test_stack_never_draws() -> None:
    """A test stack started beside `make up` (test_make_up.py) must never take one of its
    fixed ports, up to nine replicas of every service."""
    from authgate_devstack.ports import RESERVED_PORTS

    ports = Ports.defaults({s: 9 for s in SERVICES})
    fixed = [ports.gateway, ports.admin, ports.example, *ports.authz]
    for table in (ports.http, ports.grpc, ports.metrics, ports.operator):
        fixed += [p for replicas in table.values() for p in replicas]
    assert [p for p in fixed if p not in RESERVED_PORTS] == []
