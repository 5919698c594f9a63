"""The client-authentication memory: successes only, per secret, for a bounded time."""

from __future__ import annotations

import pytest
from authgate_common.errors import InvalidClient
from token_service.domain.client_cache import CachingClientAuthentication
from token_service.domain.ports import Client


class Counting:
    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.secrets = {"svc": "right"}

    def authenticate_client(self, client_id: str, client_secret: str, *args, **kwargs) -> Client:
        self.calls.append((client_id, client_secret, args, kwargs))
        if self.secrets.get(client_id) != client_secret:
            raise InvalidClient()
        return Client(client_id)

    def redeem_code(self, *args):
        return ("redeemed", args)


class Clock:
    now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_success_is_remembered_until_the_ttl_passes() -> None:
    inner, clock = Counting(), Clock()
    auth = CachingClientAuthentication(inner, ttl_seconds=5, clock=clock)
    assert auth.authenticate_client("svc", "right").client_id == "svc"
    assert auth.authenticate_client("svc", "right").client_id == "svc"
    assert len(inner.calls) == 1
    clock.now += 5.1
    inner.secrets["svc"] = "rotated"  # the secret changed meanwhile: the old one stops
    with pytest.raises(InvalidClient):
        auth.authenticate_client("svc", "right")


def test_failures_and_other_secrets_always_reach_the_authorization_service() -> None:
    inner = Counting()
    auth = CachingClientAuthentication(inner, ttl_seconds=60, clock=Clock())
    auth.authenticate_client("svc", "right")
    for _ in range(3):
        with pytest.raises(InvalidClient):
            auth.authenticate_client("svc", "wrong")
    assert len(inner.calls) == 4


def test_the_secret_itself_is_not_kept() -> None:
    auth = CachingClientAuthentication(Counting(), ttl_seconds=60, clock=Clock())
    auth.authenticate_client("svc", "right")
    assert all("right" not in repr(k) and b"right" not in k[1] for k in auth._entries)


def test_calls_with_more_than_a_secret_and_a_zero_ttl_are_not_cached() -> None:
    inner = Counting()
    auth = CachingClientAuthentication(inner, ttl_seconds=60, clock=Clock())
    auth.authenticate_client("svc", "right", client_assertion="eyJ…")
    auth.authenticate_client("svc", "right", client_assertion="eyJ…")
    off = CachingClientAuthentication(inner, ttl_seconds=0, clock=Clock())
    off.authenticate_client("svc", "right")
    off.authenticate_client("svc", "right")
    assert len(inner.calls) == 4


def test_it_stays_bounded_and_passes_everything_else_through() -> None:
    inner, clock = Counting(), Clock()
    inner.secrets = {f"c{i}": "s" for i in range(50)}
    auth = CachingClientAuthentication(inner, ttl_seconds=60, max_entries=10, clock=clock)
    for i in range(50):
        auth.authenticate_client(f"c{i}", "s")
    assert len(auth._entries) <= 10
    assert auth.redeem_code("a", "b") == ("redeemed", ("a", "b"))
