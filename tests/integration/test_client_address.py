"""Client addresses behind a load balancer (issue 15 §7): the address the per-address limits,
the login lockout and the audit trail see is the one the gateway vouches for. With no
trusted hop (the default) a client's own X-Forwarded-For or x-envoy-external-address
changes nothing; a gateway rendered with `trusted_hops: 1` (behind an L7 balancer that
appends the client) takes the client from X-Forwarded-For, and the limits count that
client rather than the balancer everyone shares. (The shared stack raises identity's
per-address lockout threshold, every test coming from 127.0.0.1; the audited address of a
failed login is the address that lockout counts.)"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
from collections.abc import Iterator

import httpx
import pytest
from authgate_devstack.stack import Stack
from flowkit import AUTHGATE, Flow, SignInUser, extra_gateway

CLIENT = "203.0.113.9"
LIMIT = 5


def gateway(stack: Stack, folder: pathlib.Path, trusted_hops: int) -> Iterator[str]:
    """A second Envoy on the same services with a tiny `oauth` limit."""
    limits = {"oauth": {"requests": LIMIT, "per_seconds": 60},
              "login": {"requests": 1000, "per_seconds": 60}}
    with extra_gateway(stack, folder, rate_limits=limits, trusted_hops=trusted_hops) as url:
        yield url


@pytest.fixture(scope="module")
def direct_gateway(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Clients connect straight to Envoy: the default, no trusted hop."""
    yield from gateway(stack, tmp_path_factory.mktemp("direct"), trusted_hops=0)


@pytest.fixture(scope="module")
def balanced_gateway(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """As if one L7 balancer, appending the client to X-Forwarded-For, stood in front."""
    yield from gateway(stack, tmp_path_factory.mktemp("balanced"), trusted_hops=1)


def failed_login_source(stack: Stack, base: str, user: SignInUser, headers: dict[str, str]) -> str:
    """Sign in wrongly through the gateway at `base`; the address identity audited, which is
    the address its per-address login lockout counts (both take the same client_ip)."""
    with httpx.Client(base_url=base, timeout=30) as browser:
        resp = browser.post("/api/v1/sso/login", headers=headers,
                            json={"username": user.username, "password": "not-" + user.password})
    assert resp.status_code == 401, resp.text
    out = subprocess.run([AUTHGATE, "audit", "--user", user.username, "--type", "login.failure",
                          "--since", "1h", "--json"], capture_output=True, text=True,
                         env={**os.environ, **stack.cli_env()}, cwd=stack.workdir, timeout=60)
    assert out.returncode == 0, out.stderr
    found = [e for e in json.loads(out.stdout) if e["request_id"] == resp.headers["x-request-id"]]
    assert len(found) == 1, found
    return found[0]["source_address"]


def test_a_forged_forwarded_for_does_not_change_the_client(flow: Flow, stack: Stack) -> None:
    forged = {"X-Forwarded-For": CLIENT, "X-Envoy-External-Address": CLIENT, "X-Real-IP": CLIENT}
    assert failed_login_source(stack, flow.base, flow.user(), forged) == "127.0.0.1"
    # Alone, too: Envoy writes x-envoy-external-address itself, over whatever came in.
    alone = {"X-Envoy-External-Address": CLIENT}
    assert failed_login_source(stack, flow.base, flow.user(), alone) == "127.0.0.1"


def test_behind_a_trusted_balancer_the_forwarded_client_is_recorded(
        flow: Flow, stack: Stack, balanced_gateway: str) -> None:
    source = failed_login_source(stack, balanced_gateway, flow.user(), {"X-Forwarded-For": CLIENT})
    assert source == CLIENT
    # Only the hop the balancer appended is trusted: what the client put before it is not.
    chained = {"X-Forwarded-For": f"198.51.100.1, {CLIENT}"}
    assert failed_login_source(stack, balanced_gateway, flow.user(), chained) == CLIENT


def test_a_forged_forwarded_for_does_not_escape_the_rate_limit(direct_gateway: str) -> None:
    with httpx.Client(base_url=direct_gateway, timeout=10) as client:
        statuses = [client.post("/api/v1/oauth/token", headers={"X-Forwarded-For": f"203.0.113.{i}"},
                                data={"grant_type": "client_credentials"}).status_code
                    for i in range(LIMIT + 1)]
    assert statuses[-1] == 429, statuses


def test_the_rate_limit_counts_the_client_not_the_balancer(balanced_gateway: str) -> None:
    with httpx.Client(base_url=balanced_gateway, timeout=10) as balancer:
        def token(client: str) -> int:
            return balancer.post("/api/v1/oauth/token", headers={"X-Forwarded-For": client},
                                 data={"grant_type": "client_credentials"}).status_code
        statuses = [token("203.0.113.20") for _ in range(LIMIT + 1)]
        assert statuses[-1] == 429 and 429 not in statuses[:LIMIT], statuses
        assert token("203.0.113.21") != 429  # another client behind the same balancer
