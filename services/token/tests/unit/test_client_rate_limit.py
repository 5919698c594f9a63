"""The per-client limit of /token, /introspect and /revoke: counted after client
authentication, one fixed window, 429 `temporarily_unavailable` with Retry-After."""

from __future__ import annotations

import pytest
from authgate_common.core.errors import (
    RETRY_AFTER_KEY,
    InvalidClient,
    TooManyRequests,
)
from authgate_common.core.kv import MemoryStore
from fastapi.testclient import TestClient
from token_fakes import Calls, DownStore, Seconds, add_lifecycle_clients
from token_service.domain.clients.rate_limit import ClientRateLimit

CC = {"grant_type": "client_credentials"}


def test_past_the_limit_the_window_says_when_it_frees() -> None:
    clock = Seconds(60 * 16_667 + 20.5)  # 20.5 s into a 60 s window
    limit = ClientRateLimit(MemoryStore(clock=clock), 3, 60, clock)
    for _ in range(3):
        limit.hit("app")
    with pytest.raises(TooManyRequests) as caught:
        limit.hit("app")
    assert caught.value.status_code == 429 and caught.value.error == "temporarily_unavailable"
    assert caught.value.description == "too many requests for this client"
    assert caught.value.metadata[RETRY_AFTER_KEY] == "40"
    limit.hit("other")  # another client has its own budget
    clock.now += 40
    limit.hit("app")  # the next window starts empty


def test_the_alternating_key_is_fresh_two_windows_later() -> None:
    clock = Seconds(60 * 16_667 + 59.0)
    limit = ClientRateLimit(MemoryStore(clock=clock), 1, 60, clock)
    limit.hit("app")  # the last second of a window, on the key the window after next reuses
    clock.now += 61
    limit.hit("app")
    clock.now += 60
    limit.hit("app")


def test_a_store_outage_lets_requests_through() -> None:
    limit = ClientRateLimit(DownStore(), 1, 60)
    for _ in range(3):
        limit.hit("app")


def test_token_introspect_and_revoke_share_one_budget(world_factory) -> None:
    world = world_factory(TOKEN_CLIENT_RATE_LIMIT=3)
    add_lifecycle_clients(world)
    calls = Calls(world, auth=("svc", "svc-secret"))
    token = calls.token(CC).access_token
    calls.introspect(token)
    calls.revoke(token)
    with pytest.raises(TooManyRequests):
        calls.token(CC)
    with pytest.raises(TooManyRequests):
        calls.introspect(token)
    assert calls.token(CC, auth=("api", "api-secret")).access_token


def test_failed_authentication_does_not_spend_the_clients_budget(world_factory) -> None:
    world = world_factory(TOKEN_CLIENT_RATE_LIMIT=2)
    add_lifecycle_clients(world)
    calls = Calls(world, auth=("svc", "svc-secret"))
    for _ in range(5):
        with pytest.raises(InvalidClient):
            calls.token(CC, auth=("svc", "guess"))
    assert calls.token(CC).access_token
    assert calls.token(CC).access_token


def test_zero_turns_the_limit_off(world_factory) -> None:
    world = world_factory(TOKEN_CLIENT_RATE_LIMIT=0)
    add_lifecycle_clients(world)
    calls = Calls(world, auth=("svc", "svc-secret"))
    for _ in range(20):
        calls.token(CC)


def test_the_http_answer_is_429_with_retry_after_and_no_store(world_factory) -> None:
    world = world_factory(TOKEN_CLIENT_RATE_LIMIT=1, TOKEN_CLIENT_RATE_WINDOW_SECONDS=30)
    add_lifecycle_clients(world)
    with TestClient(world.service.http_app) as http:
        assert http.post("/api/v1/oauth/token", data=CC, auth=("svc", "svc-secret")).status_code == 200
        resp = http.post("/api/v1/oauth/token", data=CC, auth=("svc", "svc-secret"))
    assert resp.status_code == 429
    assert resp.json() == {
        "error": "temporarily_unavailable",
        "error_description": "too many requests for this client",
    }
    assert 1 <= int(resp.headers["retry-after"]) <= 30
    assert resp.headers["cache-control"] == "no-store"
