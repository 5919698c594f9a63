"""A token replica killed outright (SIGKILL, as the OOM killer or a failing node would)
under a steady load of POST /token (issue 15 §8): only the requests in flight on it may
fail, the gateway keeps answering from the other replica meanwhile (Envoy retries what
never reached the dead one and ejects it), and the supervisor starts it again within its
back-off, as `make up` does. On a stack of its own: the session stack's tests expect a
killed process to stay down until `revive`."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from authgate_devstack.stack import Stack
from authgate_devstack.supervisor import Backoff
from flowkit import Cli, Flow, own_stack

pytestmark = pytest.mark.e2e

TOKEN = "/api/v1/oauth/token"
THREADS = 4  # each one request at a time: at most this many are in flight at the kill
MAX_REQUESTS_PER_THREAD = 2000  # a bound on the load whatever the machine's speed
WARM_UP_SECONDS = 2.0
# The first restart waits Backoff().first; then a Python service starts (a few seconds,
# more on a loaded CI machine).
BACK_WITHIN = Backoff().first + 30
AFTER_SECONDS = 1.5
# SIGKILL is not instant: the kernel tears the process down over some milliseconds, and a
# request written to its socket meanwhile reached it (so it is not retried, and may fail).
DYING = 0.5
# Ejections grow with each in a row (base_ejection_time × count) and end at Envoy's next
# outlier sweep (every 10 s).
EJECTION_OVER_WITHIN = 60.0


@dataclass
class Outcome:
    started: float
    ended: float
    status: int  # 0: no HTTP response at all


@pytest.fixture(scope="module")
def supervised(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with own_stack(tmp_path_factory, "crash", {"token": 2}) as stack:
        stack.supervise()
        yield stack


def _load(stack: Stack, client_id: str, secret: str, stop: threading.Event,
          outcomes: list[Outcome]) -> None:
    with httpx.Client(base_url=stack.base_url, timeout=20) as http:
        for _ in range(MAX_REQUESTS_PER_THREAD):
            if stop.is_set():
                return
            started = time.monotonic()
            try:
                status = http.post(TOKEN, data={"grant_type": "client_credentials", "scope": "read"},
                                   auth=(client_id, secret)).status_code
            except httpx.HTTPError:
                status = 0
            outcomes.append(Outcome(started, time.monotonic(), status))


def _until_back(stack: Stack, name: str, dead_pid: int, deadline: float) -> float:
    """When a new process of `name` answered gRPC health on both listeners and HTTP."""
    while stack.procs[name].pid == dead_pid or stack.procs[name].poll() is not None:
        if time.monotonic() > deadline:
            pytest.fail(f"{name} not started again within {BACK_WITHIN} s")
        time.sleep(0.05)
    stack._wait_replica("token", 1, deadline)
    return time.monotonic()


def _ejected(stack: Stack, replica: int) -> bool:
    """Whether Envoy's outlier detection keeps this token replica out (admin /clusters)."""
    text = httpx.get(f"http://127.0.0.1:{stack.ports.admin}/clusters", timeout=5).text
    port = stack.ports.http["token"][replica]
    return f"token_http::127.0.0.1:{port}::health_flags::/failed_outlier_check" in text


def _until_admitted(stack: Stack) -> None:
    """Until Envoy sends requests to token-1 again, if an earlier test got it ejected."""
    deadline = time.monotonic() + EJECTION_OVER_WITHIN
    while _ejected(stack, 1):
        assert time.monotonic() < deadline, "token-1 still ejected"
        time.sleep(0.2)


def test_a_post_to_a_replica_gone_between_requests_is_retried_on_another(supervised: Stack) -> None:
    """Nothing in flight reveals the stopped replica to Envoy: the next request sent to it
    meets a refused connection, which never reached a process, so it goes to the other."""
    client = Flow(supervised, Cli(supervised)).client("--grant-type", "client_credentials", scopes="read")
    name = Stack.process_name("token", 1)
    _until_admitted(supervised)
    supervised.stop_process(name)  # on purpose: not restarted
    try:
        with httpx.Client(base_url=supervised.base_url, timeout=20) as http:
            statuses = [http.post(TOKEN, data={"grant_type": "client_credentials"},
                                  auth=(client.client_id, client.client_secret)).status_code
                        for _ in range(10)]
        assert statuses == [200] * 10
        time.sleep(Backoff().first + 1)
        assert supervised.procs[name].poll() is not None  # the supervisor left it down
    finally:
        supervised.revive("token")


def test_a_killed_token_replica_fails_only_requests_in_flight_and_comes_back(supervised: Stack) -> None:
    client = Flow(supervised, Cli(supervised)).client("--grant-type", "client_credentials", scopes="read")
    name = Stack.process_name("token", 1)
    _until_admitted(supervised)
    outcomes: list[Outcome] = []
    stop = threading.Event()
    load = [threading.Thread(target=_load, args=(supervised, client.client_id, client.client_secret,
                                                 stop, outcomes)) for _ in range(THREADS)]
    for thread in load:
        thread.start()
    try:
        time.sleep(WARM_UP_SECONDS)
        victim = supervised.procs[name].pid
        killed_at = time.monotonic()
        os.killpg(victim, signal.SIGKILL)
        back_at = _until_back(supervised, name, victim, killed_at + BACK_WITHIN)
        time.sleep(AFTER_SECONDS)
    finally:
        stop.set()
        for thread in load:
            thread.join(60)

    failed = [o for o in outcomes if o.status != 200]
    assert len(failed) <= THREADS, f"{len(failed)} of {len(outcomes)} failed: {failed[:20]}"
    # Only requests on the wire at the kill: sent before the dying process's sockets closed.
    assert all(o.ended > killed_at and o.started < killed_at + DYING for o in failed), (killed_at, failed)
    before = [o for o in outcomes if o.ended < killed_at]
    meanwhile = [o for o in outcomes if killed_at + DYING < o.started and o.ended < back_at]
    after = [o for o in outcomes if o.started > back_at]
    assert before and after, (len(before), len(after))
    # The stack kept answering while the replica was down (at least a second: the back-off).
    assert len(meanwhile) >= THREADS and all(o.status == 200 for o in meanwhile)
    assert supervised.procs[name].pid != victim and back_at - killed_at <= BACK_WITHIN
