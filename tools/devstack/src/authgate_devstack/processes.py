"""The child processes of a local stack: each started in its own session with its output
in a log file (or handed to `log_to`), stopped with SIGTERM and waited for, restarted after
a crash once `supervise()` is on (supervisor.py)."""

from __future__ import annotations

import contextlib
import os
import pathlib
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO

from .supervisor import Supervisor

VENV_BIN = pathlib.Path(sys.executable).parent
COLORS = {"identity": 32, "session": 35, "authorization": 34, "token": 33, "envoy": 36}


@dataclass(kw_only=True)
class ProcessGroup:
    workdir: pathlib.Path
    log_to: Callable[[str, str], None] | None = None  # None: per-process log files in workdir
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _pumps: list[threading.Thread] = field(default_factory=list)
    # How each process was started and when, to start it again after a crash; a process
    # stopped on purpose is `_held` until it is started again.
    _commands: dict[str, tuple[list[str], dict[str, str]]] = field(default_factory=dict)
    _started_at: dict[str, float] = field(default_factory=dict)
    _held: set[str] = field(default_factory=set)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _supervisor: Supervisor | None = None

    def _spawn(self, name: str, cmd: list[str], env: dict[str, str]) -> None:
        with self._lock:
            if self.log_to is None:
                with open(self.workdir / f"{name}.log", "ab") as out:  # the child keeps its own copy
                    proc = subprocess.Popen(cmd, env=env, cwd=self.workdir, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)
            else:
                proc = subprocess.Popen(cmd, env=env, cwd=self.workdir, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, start_new_session=True)
                pump = threading.Thread(target=self._pump, args=(name, proc), daemon=True)
                pump.start()
                self._pumps.append(pump)
            self.procs[name] = proc
            self._commands[name] = (cmd, env)
            self._started_at[name] = time.monotonic()
            self._held.discard(name)

    def supervise(self, report: Callable[[str], None] | None = None) -> None:
        """From now on, restart a process that exits unasked, with back-off (supervisor.py),
        as Kubernetes would; `report` (default: stderr) hears of each restart. Off unless
        called: tests that kill a process expect it to stay down until `revive`."""
        if self._supervisor is None:
            self._supervisor = Supervisor(self, report or _to_stderr)
            self._supervisor.start()

    def unsupervise(self) -> None:
        if self._supervisor is not None:
            self._supervisor.stop()
            self._supervisor = None

    def crashed(self) -> dict[str, tuple[int, float]]:
        """Every process that exited without being stopped: name -> (pid, when started)."""
        with self._lock:
            return {name: (proc.pid, self._started_at[name]) for name, proc in self.procs.items()
                    if name not in self._held and proc.poll() is not None}

    def respawn(self, name: str, pid: int) -> bool:
        """Start `name` again as it was started, unless it was stopped on purpose or started
        again since it exited as `pid`."""
        with self._lock:
            proc = self.procs.get(name)
            if name in self._held or proc is None or proc.pid != pid or proc.poll() is None:
                return False
            self._spawn(name, *self._commands[name])
            return True

    def _pump(self, name: str, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None and self.log_to is not None
        for line in iter(proc.stdout.readline, b""):
            self.log_to(name, line.decode(errors="replace").rstrip())

    def _wait(self, check: Callable[[], bool], deadline: float, what: str) -> None:
        while time.monotonic() < deadline:
            dead = [n for n, p in self.procs.items() if p.poll() is not None]
            if dead:
                raise RuntimeError(f"{', '.join(dead)} exited while waiting for {what}\n{self.logs()}")
            if check():
                return
            time.sleep(0.1)
        raise TimeoutError(f"{what} not ready\n{self.logs()}")

    def logs(self, tail: int = 40) -> str:
        parts = []
        for name in self.procs:
            path = self.workdir / f"{name}.log"
            if path.exists():
                lines = path.read_text(errors="replace").splitlines()[-tail:]
                parts.append(f"--- {name} ---\n" + "\n".join(lines))
        return "\n".join(parts)

    def stop_process(self, name: str, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
        with self._lock:  # stopped on purpose: not restarted by the supervisor
            self._held.add(name)
            proc = self.procs.get(name)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        except ProcessLookupError:
            pass

    def _stop_at_once(self, names: list[str]) -> None:
        """SIGTERM each process at once: stopping takes the slowest drain, not the sum."""
        stoppers = [threading.Thread(target=self.stop_process, args=(name,)) for name in names]
        for thread in stoppers:
            thread.start()
        for thread in stoppers:
            thread.join()


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def colored_printer(name: str, line: str) -> None:
    color = COLORS.get(name.split("-")[0], 37)
    sys.stdout.write(f"\x1b[{color}m{name:>14} |\x1b[0m {line}\n")
    sys.stdout.flush()


def http_ok(url: str, context: ssl.SSLContext | None = None) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1, context=context) as resp:  # noqa: S310 - local health URL
            return resp.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def running_envoy(config: pathlib.Path, admin_port: int, *, stdout: IO[bytes] | int = subprocess.DEVNULL,
                  args: Sequence[str] = (), timeout: float = 30) -> Iterator[subprocess.Popen[bytes]]:
    """Envoy on `config` (its admin interface on `admin_port`) for the `with` block, entered
    once /ready answers 200; a gateway of its own beside a stack's, for tests."""
    proc = subprocess.Popen([str(VENV_BIN / "envoy"), "-c", str(config), "--log-level", "error",
                             "--base-id", str(admin_port), *args], stdout=stdout, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while not http_ok(f"http://127.0.0.1:{admin_port}/ready"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"envoy did not start on {config}")
            time.sleep(0.1)
        yield proc
    finally:
        proc.terminate()
        proc.wait(10)
