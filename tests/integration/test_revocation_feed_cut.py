"""The revocation feed cut (issue 4 §5): with the session service gone, a token replica
cannot know whether a session was revoked, so it refuses every session-bound token
(userinfo 503 `temporarily_unavailable`, ValidateToken UNAVAILABLE; never 200), and when
the session service is back it recovers by itself, without a restart, from a fresh
snapshot of PostgreSQL: a session revoked while the feed was down is rejected.

"While down" is a network partition: the token replicas' session service is killed, and
a separate session process on ports no validator knows revokes a session in the shared
record, so no push can reach a validator. On the session stack: the test brings back
what it kills."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import grpc
import httpx
import pytest
from authgate.session.v1 import session_pb2, session_pb2_grpc
from authgate_common.grpc_server import channel
from authgate_devstack.ports import free_ports
from authgate_devstack.stack import Stack
from flowkit import Cli, Flow, settle_after_session_restart, validate_on
from grpc_health.v1 import health_pb2, health_pb2_grpc

pytestmark = pytest.mark.e2e

# The feed reconnects with backoff capped at 5 s; the session service needs a few seconds to
# start. Generous bounds: this is about correctness, not speed.
CUT_NOTICED_WITHIN = 10.0
RECOVERED_WITHIN = 30.0


@pytest.fixture(scope="module")
def private(stack: Stack) -> Iterator[Stack]:
    """The session stack (token ×2 or more); whatever the test does, its session service
    runs again for the tests after it."""
    try:
        yield stack
    finally:
        stack.revive("session")
        settle_after_session_restart(Flow(stack, Cli(stack)), stack)


def _userinfo(stack: Stack, replica: int, access: str) -> httpx.Response:
    return httpx.get(
        f"http://127.0.0.1:{stack.ports.http['token'][replica]}/api/v1/userinfo/me",
        headers={"Authorization": f"Bearer {access}"},
        timeout=10,
    )


def _replicas(stack: Stack) -> range:
    return range(len(stack.ports.http["token"]))


def _until(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not within {seconds} s")
        time.sleep(0.05)


def _serving(stack: Stack, target: str) -> bool:
    with channel(target, stack.tls("validator"), "session") as ch:
        try:
            return (
                health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=1).status
                == health_pb2.HealthCheckResponse.SERVING
            )
        except grpc.RpcError:
            return False


def _revoke_behind_a_partition(stack: Stack, sid: str) -> None:
    """Revoke `sid` through a session process that shares the record but that no validator
    can reach, so the revocation lands in PostgreSQL (and Redis) and is pushed to no one."""
    grpc_port, http_port, operator_port = free_ports(3)
    while grpc_port in stack.ports.grpc["session"]:  # the dead one's port is free again
        grpc_port, http_port, operator_port = free_ports(3)
    env = {
        **stack.service_env("session"),
        "SESSION_GRPC_PORT": str(grpc_port),
        "SESSION_HTTP_PORT": str(http_port),
        "SESSION_METRICS_PORT": "0",
        "SESSION_OPERATOR_PORT": str(operator_port),
    }
    with open(stack.workdir / "session-partitioned.log", "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "session_service", "serve"],
            env=env,
            cwd=stack.workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        target = f"127.0.0.1:{operator_port}"
        _until(lambda: proc.poll() is None and _serving(stack, target), 30,
               "the partitioned session process")
        with channel(target, stack.tls("operator"), "session") as ch:
            session_pb2_grpc.SessionServiceStub(ch).RevokeSession(
                session_pb2.RevokeSessionRequest(sid=sid), timeout=10
            )
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_feed_cut_fails_closed_then_recovers_by_itself(private: Stack) -> None:
    flow = Flow(private, Cli(private))
    user, client = flow.user(), flow.client()
    kept_sid, kept = flow.device(client, user)
    doomed_sid, doomed = flow.device(client, user)
    machine = flow.client("--grant-type", "client_credentials", scopes="read")
    cc = httpx.post(
        f"{flow.base}/api/v1/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(machine.client_id, machine.client_secret),
        timeout=10,
    ).json()["access_token"]
    for i in _replicas(private):
        assert [_userinfo(private, i, t).status_code for t in (kept, doomed)] == [200, 200]
    token_pids = {name: proc.pid for name, proc in private.procs.items() if name.startswith("token")}

    # 1. The feed is cut: every replica of the session service dies at once.
    for i in range(len(private.ports.grpc["session"])):
        private.stop_process(Stack.process_name("session", i), signal.SIGKILL)
    for i in _replicas(private):
        _until(
            lambda i=i: _userinfo(private, i, kept).status_code == 503,
            CUT_NOTICED_WITHIN,
            f"token[{i}] failing closed",
        )

    # 2. While it is cut, a session is revoked where no validator can hear of it; nothing
    # session-bound is accepted meanwhile, on either replica, in any way.
    _revoke_behind_a_partition(private, doomed_sid)
    for i in _replicas(private):
        for access in (kept, doomed):
            resp = _userinfo(private, i, access)
            assert resp.status_code == 503, resp.text
            assert resp.json()["error"] == "temporarily_unavailable"
            assert validate_on(private, i, access, timeout=5) == grpc.StatusCode.UNAVAILABLE
        # A token with no session behind it has nothing the feed must vouch for.
        assert validate_on(private, i, cc, timeout=5) == grpc.StatusCode.OK
    through_gateway = httpx.get(
        f"{flow.base}/api/v1/userinfo/me", timeout=10, headers={"Authorization": f"Bearer {kept}"}
    )
    assert through_gateway.status_code == 503

    # 3. The session service comes back; the token replicas are left alone.
    for i in range(len(private.ports.grpc["session"])):
        private.start_service("session", i)
    for i in _replicas(private):
        seen: list[int] = []

        def recovered(i: int = i, seen: list[int] = seen) -> bool:
            seen.append(_userinfo(private, i, doomed).status_code)
            return _userinfo(private, i, kept).status_code == 200

        _until(recovered, RECOVERED_WITHIN, f"token[{i}] recovering")
        assert 200 not in seen, seen  # the revoked session never slipped through
        assert _userinfo(private, i, doomed).status_code == 401
        assert validate_on(private, i, doomed, timeout=5) == grpc.StatusCode.UNAUTHENTICATED
        assert validate_on(private, i, kept, timeout=5) == grpc.StatusCode.OK
    assert {
        name: proc.pid
        for name, proc in private.procs.items()
        if name.startswith("token") and proc.poll() is None
    } == token_pids
    # The record says so too: the partitioned revocation is not a validator's private belief.
    live = [
        s["sid"]
        for s in Cli(private)(
            "session", "list", "--user", user.username,
            "--session-target", private.operator_targets("session")
        )
    ]
    assert live == [kept_sid]
