"""Restarting a crashed process (supervisor.py): the back-off, and what is restarted —
a process that exited unasked, never one stopped on purpose."""

from __future__ import annotations

import os
import pathlib
import signal
import sys
import time
from dataclasses import dataclass, field

from authgate_devstack.ports import Ports
from authgate_devstack.stack import Stack
from authgate_devstack.supervisor import Backoff, Supervisor


def test_the_delay_doubles_from_one_second_to_thirty_then_resets_once_stable() -> None:
    backoff = Backoff()
    assert [backoff.next_delay(uptime=2) for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]
    assert backoff.next_delay(uptime=backoff.stable_after) == 1
    assert backoff.next_delay(uptime=5) == 2


@dataclass
class FakeStack:
    dead: dict[str, tuple[int, float]] = field(default_factory=dict)
    respawned: list[str] = field(default_factory=list)

    def crashed(self) -> dict[str, tuple[int, float]]:
        return dict(self.dead)

    def respawn(self, name: str, pid: int) -> bool:
        self.respawned.append(name)
        del self.dead[name]
        return True


def test_a_crashed_process_is_restarted_after_its_delay_and_sooner_never() -> None:
    stack, heard = FakeStack(), []
    supervisor = Supervisor(stack, heard.append)
    stack.dead["token-1"] = (100, 0.0)
    supervisor.tick(500.0)
    supervisor.tick(500.9)
    assert stack.respawned == [] and heard == ["authgate: token-1 exited; restarting it in 1 s"]
    supervisor.tick(501.0)
    assert stack.respawned == ["token-1"]
    stack.dead["token-1"] = (101, 501.0)  # crashed again straight away: twice the wait
    supervisor.tick(502.0)
    supervisor.tick(503.9)
    assert stack.respawned == ["token-1"]
    supervisor.tick(504.0)
    assert stack.respawned == ["token-1", "token-1"]


def test_a_process_started_again_by_someone_else_is_not_restarted_twice() -> None:
    stack = FakeStack()
    supervisor = Supervisor(stack, lambda _: None)
    stack.dead["session"] = (100, 0.0)
    supervisor.tick(10.0)
    del stack.dead["session"]  # `revive` got there first
    supervisor.tick(20.0)
    assert stack.respawned == []


def _sleeper(tmp_path: pathlib.Path) -> Stack:
    stack = Stack(ports=Ports.free(), env={}, workdir=tmp_path, with_example=False)
    stack._spawn("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"], dict(os.environ))
    return stack


def test_the_stack_reports_a_killed_process_and_starts_it_again_as_it_was(tmp_path: pathlib.Path) -> None:
    stack = _sleeper(tmp_path)
    try:
        pid = stack.procs["sleeper"].pid
        assert stack.crashed() == {}
        os.killpg(pid, signal.SIGKILL)
        stack.procs["sleeper"].wait(10)
        assert list(stack.crashed()) == ["sleeper"] and stack.crashed()["sleeper"][0] == pid
        assert stack.respawn("sleeper", pid)
        assert stack.procs["sleeper"].pid != pid and stack.procs["sleeper"].poll() is None
        assert not stack.respawn("sleeper", pid)  # already started again
    finally:
        stack.stop()


def test_a_process_stopped_on_purpose_is_not_restarted(tmp_path: pathlib.Path) -> None:
    stack = _sleeper(tmp_path)
    supervisor_heard: list[str] = []
    stack.supervise(supervisor_heard.append)
    try:
        pid = stack.procs["sleeper"].pid
        stack.stop_process("sleeper", signal.SIGKILL)
        assert stack.crashed() == {} and not stack.respawn("sleeper", pid)
        time.sleep(Backoff().first + 0.5)
        assert stack.procs["sleeper"].pid == pid and supervisor_heard == []
    finally:
        stack.stop()


def test_a_supervised_stack_restarts_a_killed_process(tmp_path: pathlib.Path) -> None:
    stack = _sleeper(tmp_path)
    stack.supervise(lambda _: None)
    try:
        pid = stack.procs["sleeper"].pid
        os.killpg(pid, signal.SIGKILL)
        deadline = time.monotonic() + Backoff().first + 5
        while stack.procs["sleeper"].pid == pid and time.monotonic() < deadline:
            time.sleep(0.05)
        assert stack.procs["sleeper"].pid != pid and stack.procs["sleeper"].poll() is None
    finally:
        stack.stop()
    assert stack.procs["sleeper"].poll() is not None  # stop() ends supervision first
