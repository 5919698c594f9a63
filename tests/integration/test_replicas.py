"""Two replicas of every service behind the local Envoy (`make up TOKEN_REPLICAS=2` …):
both replicas serve, and when one token replica is killed outright (SIGKILL, as a node
failure would), only a request in flight on it may fail; every later request through
the gateway succeeds, Envoy retrying connect failures elsewhere and ejecting the host."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from authgate_devstack.gateway import SERVICES
from authgate_devstack.stack import Stack
from flowkit import Cli, Flow, own_stack

pytestmark = pytest.mark.e2e
IDEMPOTENT = ("/.well-known/openid-configuration", "/.well-known/jwks.json", "/api/v1/userinfo/me")


@pytest.fixture(scope="module")
def replicated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with own_stack(tmp_path_factory, "replicas", {svc: 2 for svc in SERVICES}) as stack:
        yield stack


@pytest.fixture(scope="module")
def access_token(replicated: Stack) -> str:
    return Flow(replicated, Cli(replicated)).tokens()["access_token"]


def _get(stack: Stack, path: str, token: str | None = None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(stack.base_url + path, headers=headers, timeout=10).status_code


def _upstream_requests(stack: Stack, cluster: str) -> dict[int, int]:
    """Requests Envoy sent to each replica of a cluster (admin /clusters)."""
    text = httpx.get(f"http://127.0.0.1:{stack.ports.admin}/clusters", timeout=5).text
    counts = {}
    for line in text.splitlines():
        parts = line.split("::")
        if len(parts) == 4 and parts[0] == cluster and parts[2] == "rq_total":
            counts[int(parts[1].rsplit(":", 1)[1])] = int(parts[3])
    return counts


def test_every_replica_serves_requests(replicated: Stack, access_token: str) -> None:
    for _ in range(4):
        assert [_get(replicated, p, access_token) for p in IDEMPOTENT] == [200, 200, 200]
        assert _get(replicated, "/api/v1/sso/login") == 200  # identity's login page
        assert _get(replicated, "/api/v1/sessions") == 401  # session, no cookie
    for svc in ("identity", "session", "token"):
        counts = _upstream_requests(replicated, f"{svc}_http")
        assert sorted(counts) == sorted(replicated.ports.http[svc])
        assert all(n > 0 for n in counts.values()), (svc, counts)


def test_killing_a_token_replica_fails_no_request_after_it(replicated: Stack, access_token: str) -> None:
    statuses: list[int] = []
    stop = threading.Event()

    def client() -> None:  # one request at a time: at most one is in flight at the kill
        while not stop.is_set():
            for path in IDEMPOTENT:
                try:
                    statuses.append(_get(replicated, path, access_token))
                except httpx.HTTPError:
                    statuses.append(0)

    load = threading.Thread(target=client)
    load.start()
    try:
        time.sleep(0.5)
        replicated.stop_process(Stack.process_name("token", 1), signal.SIGKILL)
        time.sleep(1.5)
    finally:
        stop.set()
        load.join(30)
    assert len(statuses) > 10 and sum(s != 200 for s in statuses) <= 1, statuses
    after = [_get(replicated, p, access_token) for _ in range(10) for p in IDEMPOTENT]
    assert after == [200] * len(after)
    # And a whole new sign-in still works on the surviving token replica.
    assert Flow(replicated, Cli(replicated)).tokens()["access_token"]


def test_the_survivor_answers_for_the_dead_replica(replicated: Stack) -> None:
    dead = replicated.procs[Stack.process_name("token", 1)]
    if dead.poll() is None:
        pytest.skip("runs after the kill test")
    counts = _upstream_requests(replicated, "token_http")
    assert counts[replicated.ports.http["token"][0]] > counts[replicated.ports.http["token"][1]]
