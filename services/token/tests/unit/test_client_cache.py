"""The client-authentication memory: successes only, per secret, for a bounded time."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from authgate_common.core.client_memory import ClientMemory
from authgate_common.core.errors import InvalidClient
from token_fakes import Seconds
from token_service.bootstrap import client_authentication
from token_service.domain.clients.cache import CachingClientAuthentication
from token_service.domain.ports import Client
from token_service.settings import Settings


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


def cached(inner: Counting, **memory: Any) -> CachingClientAuthentication:
    return CachingClientAuthentication(inner, ClientMemory(**memory))  # type: ignore[arg-type]


def test_a_success_is_remembered_until_the_ttl_passes() -> None:
    inner, clock = Counting(), Seconds(100.0)
    auth = cached(inner, ttl_seconds=5, clock=clock)
    assert auth.authenticate_client("svc", "right").client_id == "svc"
    assert auth.authenticate_client("svc", "right").client_id == "svc"
    assert len(inner.calls) == 1
    clock.now += 5.1
    inner.secrets["svc"] = "rotated"  # the secret changed meanwhile: the old one stops
    with pytest.raises(InvalidClient):
        auth.authenticate_client("svc", "right")


def test_failures_and_other_secrets_always_reach_the_authorization_service() -> None:
    inner = Counting()
    auth = cached(inner, ttl_seconds=60, clock=Seconds(100.0))
    auth.authenticate_client("svc", "right")
    for _ in range(3):
        with pytest.raises(InvalidClient):
            auth.authenticate_client("svc", "wrong")
    assert len(inner.calls) == 4


def test_the_secret_itself_is_not_kept() -> None:
    auth = cached(Counting(), ttl_seconds=60, clock=Seconds(100.0))
    auth.authenticate_client("svc", "right")
    assert all("right" not in repr(k) and b"right" not in k[1] for k in auth._memory._entries)


def test_calls_with_more_than_a_secret_and_a_zero_ttl_are_not_cached() -> None:
    inner = Counting()
    auth = cached(inner, ttl_seconds=60, clock=Seconds(100.0))
    auth.authenticate_client("svc", "right", client_assertion="eyJ…")
    auth.authenticate_client("svc", "right", client_assertion="eyJ…")
    off = cached(inner, ttl_seconds=0, clock=Seconds(100.0))
    off.authenticate_client("svc", "right")
    off.authenticate_client("svc", "right")
    assert len(inner.calls) == 4


def test_it_stays_bounded() -> None:
    inner, clock = Counting(), Seconds(100.0)
    inner.secrets = {f"c{i}": "s" for i in range(50)}
    auth = cached(inner, ttl_seconds=60, max_entries=10, clock=clock)
    for i in range(50):
        auth.authenticate_client(f"c{i}", "s")
    assert len(auth._memory._entries) <= 10


def test_a_changed_client_is_forgotten_at_once_and_only_that_client() -> None:
    inner = Counting()
    inner.secrets["api"] = "right"
    memory = ClientMemory(ttl_seconds=300, clock=Seconds(100.0))
    auth = CachingClientAuthentication(inner, memory)  # type: ignore[arg-type]
    auth.authenticate_client("svc", "right")
    auth.authenticate_client("api", "right")
    inner.secrets["svc"] = "rotated"
    memory.forget("svc")  # the authorization service announced the rotation
    with pytest.raises(InvalidClient):
        auth.authenticate_client("svc", "right")
    auth.authenticate_client("api", "right")  # still remembered
    assert [c[0] for c in inner.calls] == ["svc", "api", "svc"]
    memory.forget_all()
    auth.authenticate_client("api", "right")
    assert [c[0] for c in inner.calls][-1] == "api" and len(inner.calls) == 4


def test_while_untrusted_the_cache_is_neither_read_nor_filled() -> None:
    inner, trusted = Counting(), [True]
    auth = cached(inner, ttl_seconds=300, clock=Seconds(100.0), trusted=lambda: trusted[0])
    auth.authenticate_client("svc", "right")
    trusted[0] = False  # the subscription is lost: a change may pass unheard
    inner.secrets["svc"] = "rotated"
    with pytest.raises(InvalidClient):
        auth.authenticate_client("svc", "right")
    auth.authenticate_client("svc", "rotated")
    auth.authenticate_client("svc", "rotated")
    assert len(inner.calls) == 4 and len(auth._memory._entries) == 1  # only the entry from before the loss


def test_an_answer_in_flight_when_its_client_changed_is_not_remembered() -> None:
    class ChangesMidCall(Counting):
        def authenticate_client(self, client_id: str, client_secret: str, *args, **kwargs) -> Client:
            client = super().authenticate_client(client_id, client_secret)
            # The authorization service read the old secret; the rotation commits and is
            # announced before this answer is back.
            self.secrets[client_id] = "rotated"
            memory.forget(client_id)
            return client

    memory = ClientMemory(ttl_seconds=300, clock=Seconds(100.0))
    auth = CachingClientAuthentication(ChangesMidCall(), memory)  # type: ignore[arg-type]
    assert auth.authenticate_client("svc", "right").client_id == "svc"
    with pytest.raises(InvalidClient):
        auth.authenticate_client("svc", "right")


def test_without_redis_nothing_announces_changes_so_there_is_no_cache() -> None:
    inner = Counting()
    for overrides in ({"REDIS_URL": None},
                      {"REDIS_URL": "redis://127.0.0.1:1/0", "CLIENT_AUTH_CACHE_SECONDS": 0}):
        settings = Settings(_env_file=None, SECRET_KEY=secrets.token_urlsafe(32), **overrides)  # type: ignore[call-arg]
        assert client_authentication(settings, inner) == (inner, [])
