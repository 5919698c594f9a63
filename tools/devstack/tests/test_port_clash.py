"""A test stack whose drawn port was taken before it could bind it (another stack started
beside it) draws fresh ports and starts again; any other start failure is raised at once."""

from __future__ import annotations

import pathlib

import pytest
from authgate_devstack.ports import RESERVED_PORTS, Ports
from authgate_devstack.stack import Stack

CLASH = ("envoy exited while waiting for envoy\n[critical][main] error `cannot bind "
         "'127.0.0.1:{port}': Address already in use` initializing config")


class ClashingStack(Stack):
    """start() fails as a process does when its port is taken, `clashes` times."""

    def __init__(self, *args: object, clashes: int, error: str = CLASH, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.clashes, self.error = clashes, error
        self.started_on: list[int] = []
        self.stopped = 0

    def start(self, timeout: float = 60) -> None:
        self.started_on.append(self.ports.gateway)
        if len(self.started_on) <= self.clashes:
            raise RuntimeError(self.error.format(port=self.ports.gateway))

    def stop(self) -> None:
        self.stopped += 1


def stack(tmp_path: pathlib.Path, **kwargs: object) -> ClashingStack:
    return ClashingStack(ports=Ports.free({"token": 2}), env={}, workdir=tmp_path, with_example=False,
                         **kwargs)


def test_a_port_taken_between_draw_and_bind_means_fresh_ports_and_a_second_start(tmp_path) -> None:
    s = stack(tmp_path, clashes=1)
    first = s.ports
    s.start_on_free_ports()
    assert len(s.started_on) == 2 and s.stopped == 1
    assert s.ports is not first and len(s.ports.http["token"]) == 2  # the same shape, drawn again
    assert not set(s.ports.http["token"] + [s.ports.gateway]) & RESERVED_PORTS


def test_it_gives_up_after_the_attempts(tmp_path) -> None:
    s = stack(tmp_path, clashes=5)
    with pytest.raises(RuntimeError, match="Address already in use"):
        s.start_on_free_ports(attempts=3)
    assert len(s.started_on) == 3


def test_any_other_failure_is_raised_at_once(tmp_path) -> None:
    s = stack(tmp_path, clashes=1, error="token exited while waiting for token[0] gRPC: bad setting")
    with pytest.raises(RuntimeError, match="bad setting"):
        s.start_on_free_ports()
    assert len(s.started_on) == 1 and s.stopped == 0
