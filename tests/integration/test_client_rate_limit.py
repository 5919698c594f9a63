"""The token service's per-client limit (issue 7 §1): /token, /introspect and /revoke
share one budget per authenticated client, counted in Redis, so two token replicas
together allow exactly the limit; past it, 429 `temporarily_unavailable` with Retry-After.

The session stack's token replicas, restarted with a low limit for this module (the
limit is otherwise set out of reach)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from authgate_devstack.stack import Stack
from flowkit import Cli, Flow, settle_after_restart

LIMIT = 4
WINDOW = 10
CC = {"grant_type": "client_credentials"}


@pytest.fixture(scope="module")
def limited(stack: Stack) -> Iterator[Stack]:
    with stack.reconfigured("token", {"TOKEN_CLIENT_RATE_LIMIT": str(LIMIT),
                                      "TOKEN_CLIENT_RATE_WINDOW_SECONDS": str(WINDOW)}):
        yield stack
    settle_after_restart(Flow(stack, Cli(stack)), stack)  # its callers reconnect to the token service


def service_client(stack: Stack) -> tuple[str, str]:
    client = Flow(stack, Cli(stack)).client("--grant-type", "client_credentials", scopes="read")
    return client.client_id, client.client_secret


def in_one_window(send: Callable[[int], httpx.Response], count: int) -> list[httpx.Response]:
    """`count` requests inside one window: windows are fixed and aligned to the clock, so
    start at the start of one (and try the next if a loaded machine was too slow)."""
    for _ in range(3):
        time.sleep(WINDOW - time.time() % WINDOW + 0.05)
        window = time.time() // WINDOW
        responses = [send(i) for i in range(count)]
        if time.time() // WINDOW == window:
            return responses
    pytest.fail("could not send the requests inside one window")


def test_two_replicas_share_one_budget_across_endpoints(limited: Stack) -> None:
    client = service_client(limited)
    replicas = [
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) for port in limited.ports.http["token"]
    ]
    assert len(replicas) == 2
    token = httpx.post(limited.base_url + "/api/v1/oauth/token", data=CC, auth=client).json()

    def send(i: int) -> httpx.Response:
        http = replicas[i % 2]  # alternate: each replica alone would allow LIMIT
        path = ["/api/v1/oauth/token", "/api/v1/oauth/introspect", "/api/v1/oauth/revoke"][i % 3]
        return http.post(path, data=CC if i % 3 == 0 else {"token": token["access_token"]}, auth=client)

    statuses = [r.status_code for r in in_one_window(send, LIMIT * 2 + 2)]
    assert statuses[:LIMIT] == [200] * LIMIT, statuses
    assert statuses[LIMIT:] == [429] * (LIMIT + 2), statuses


def test_past_the_limit_429_says_when_to_retry_and_the_budget_returns(limited: Stack) -> None:
    client, other = service_client(limited), service_client(limited)
    with httpx.Client(base_url=limited.base_url, timeout=10) as app:
        responses = in_one_window(lambda _: app.post("/api/v1/oauth/token", data=CC, auth=client), LIMIT + 1)
        assert [r.status_code for r in responses] == [200] * LIMIT + [429]
        resp = responses[-1]
        assert resp.json() == {
            "error": "temporarily_unavailable",
            "error_description": "too many requests for this client",
        }
        assert resp.headers["cache-control"] == "no-store"
        retry_after = int(resp.headers["retry-after"])
        assert 1 <= retry_after <= WINDOW
        assert retry_after >= math.floor(WINDOW - time.time() % WINDOW)  # never too early
        # Another client has its own budget.
        assert app.post("/api/v1/oauth/token", data=CC, auth=other).status_code == 200
        time.sleep(retry_after)
        assert app.post("/api/v1/oauth/token", data=CC, auth=client).status_code == 200


def test_wrong_secrets_do_not_spend_a_clients_budget(limited: Stack) -> None:
    client_id, secret = service_client(limited)
    with httpx.Client(base_url=limited.base_url, timeout=10) as app:
        responses = in_one_window(
            lambda i: app.post(
                "/api/v1/oauth/token", data=CC, auth=(client_id, secret if i == LIMIT * 2 else "guessed")
            ),
            LIMIT * 2 + 1,
        )
    assert all(r.status_code == 401 and r.json()["error"] == "invalid_client" for r in responses[:-1])
    assert responses[-1].status_code == 200, responses[-1].text
