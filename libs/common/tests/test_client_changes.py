"""Client changes over Redis pub/sub: a listener is trusted only while it provably listens.

A fake pub/sub drives the cases Redis will not produce on demand (a connection that goes
silent without an error, a malformed message); real Redis shows delivery, and a killed
subscription connection making the listener untrusted, then trusted again after a reset.
"""

from __future__ import annotations

import secrets
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from authgate_common.client_changes import (
    ClientChangeListener,
    ClientChangePublisher,
    channel_name,
    decode,
    encode,
)
from authgate_common.testing import REDIS_URL, redis_prefix
from redis.backoff import NoBackoff
from redis.retry import Retry

PING = 0.1


def eventually(check: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.01)


class FakePubSub:
    """Queued replies; `answer_pings` False makes a connection that is silent but not broken."""

    def __init__(self, server: FakeRedis) -> None:
        self.server = server
        self.queue: list[dict[str, Any]] = []
        self.closed = False

    def subscribe(self, channel: str) -> None:
        if self.server.refuse:
            raise redis.ConnectionError("refused")
        self.queue.append({"type": "subscribe", "channel": channel, "data": 1})

    def ping(self) -> None:
        if self.server.answer_pings:
            self.queue.append({"type": "pong", "data": ""})

    def get_message(self, timeout: float) -> dict[str, Any] | None:
        if self.server.broken:
            raise redis.ConnectionError("connection reset")
        if self.queue:
            return self.queue.pop(0)
        time.sleep(min(timeout, 0.01))
        return None

    def close(self) -> None:
        self.closed = True


class FakeRedis:
    def __init__(self) -> None:
        self.answer_pings = True
        self.broken = False
        self.refuse = False
        self.pubsubs: list[FakePubSub] = []

    def pubsub(self) -> FakePubSub:
        self.pubsubs.append(FakePubSub(self))
        return self.pubsubs[-1]

    def send(self, data: str) -> None:
        self.pubsubs[-1].queue.append({"type": "message", "data": data})

    def close(self) -> None:
        pass


class Heard:
    def __init__(self) -> None:
        self.events: list[str] = []

    def change(self, client_id: str) -> None:
        self.events.append("change:" + client_id)

    def reset(self) -> None:
        self.events.append("reset")


@pytest.fixture
def fake() -> Iterator[tuple[FakeRedis, ClientChangeListener, Heard]]:
    server, heard = FakeRedis(), Heard()
    listener = ClientChangeListener(server, "ch", ping_seconds=PING, backoff_initial=0.01,  # type: ignore[arg-type]
                                    backoff_max=0.05)
    listener.start(on_change=heard.change, on_reset=heard.reset)
    yield server, listener, heard
    listener.stop()


def test_messages_round_trip_and_refuse_anything_else() -> None:
    assert decode(encode("web")) == "web"
    for raw in ("", "[]", "{}", '{"client_id": ""}', '{"client_id": 7}', "not json"):
        with pytest.raises(ValueError):
            decode(raw)
    assert channel_name("authgate:") == "authgate:authorization:client-changes"


def test_trusted_from_the_confirmed_subscription_which_resets_first(fake) -> None:
    server, listener, heard = fake
    eventually(lambda: listener.healthy)
    assert heard.events == ["reset"]
    server.send(encode("web"))
    eventually(lambda: heard.events == ["reset", "change:web"])
    time.sleep(PING * 5)  # pings answered: still trusted
    assert listener.healthy and len(server.pubsubs) == 1


def test_a_malformed_message_forgets_everything(fake) -> None:
    server, listener, heard = fake
    eventually(lambda: listener.healthy)
    server.send("garbage")
    eventually(lambda: heard.events == ["reset", "reset"])
    assert listener.healthy


def test_a_silent_connection_is_untrusted_then_replaced(fake) -> None:
    server, listener, heard = fake
    eventually(lambda: listener.healthy)
    server.answer_pings = False
    eventually(lambda: not listener.healthy, seconds=PING * 3 + 1)
    server.answer_pings = True
    eventually(lambda: listener.healthy)
    assert len(server.pubsubs) >= 2 and server.pubsubs[0].closed
    assert heard.events[-2:] == ["reset", "reset"]  # on the loss, and on the new subscription


def test_an_error_is_untrusted_until_a_new_subscription(fake) -> None:
    server, listener, heard = fake
    eventually(lambda: listener.healthy)
    server.refuse = server.broken = True
    eventually(lambda: not listener.healthy)
    time.sleep(0.2)  # Redis still away: no trust while subscribing fails
    assert not listener.healthy
    server.refuse = server.broken = False
    eventually(lambda: listener.healthy)
    assert heard.events[0] == "reset" and heard.events[-1] == "reset"


def test_never_trusted_before_the_first_confirmation() -> None:
    server = FakeRedis()
    server.refuse = True
    listener = ClientChangeListener(server, "ch", ping_seconds=PING, backoff_initial=0.01)  # type: ignore[arg-type]
    listener.start(on_change=lambda _: None, on_reset=lambda: None)
    try:
        time.sleep(0.1)
        assert not listener.healthy
    finally:
        listener.stop()


# --- real Redis ---------------------------------------------------------------------------


def _named_listener(prefix: str, name: str) -> ClientChangeListener:
    client = redis.Redis.from_url(REDIS_URL, client_name=name, socket_timeout=2, socket_connect_timeout=2,
                                  retry=Retry(NoBackoff(), 0))
    return ClientChangeListener(client, channel_name(prefix), ping_seconds=0.2, backoff_initial=0.05)


def test_on_redis_a_change_arrives_and_a_killed_subscription_is_untrusted_then_back() -> None:
    name = "authgate-test-cc-" + secrets.token_hex(4)
    heard = Heard()
    admin = redis.Redis.from_url(REDIS_URL)
    with redis_prefix("cc") as prefix:
        listener = _named_listener(prefix, name).start(on_change=heard.change, on_reset=heard.reset)
        publisher = ClientChangePublisher.from_url(REDIS_URL, prefix)
        try:
            assert listener.wait_healthy(5)
            publisher.announce("web")
            eventually(lambda: "change:web" in heard.events, seconds=2)
            resets = heard.events.count("reset")
            # Only this test's own connection, found by its unique name.
            [mine] = [c for c in admin.client_list() if c.get("name") == name]
            admin.client_kill_filter(_id=mine["id"])
            eventually(lambda: not listener.healthy, seconds=2)
            eventually(lambda: listener.healthy, seconds=5)
            assert heard.events.count("reset") >= resets + 2
            publisher.announce("api")
            eventually(lambda: "change:api" in heard.events, seconds=2)
        finally:
            listener.stop()
            publisher.close()
            admin.close()


def test_a_publish_nobody_can_take_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    publisher = ClientChangePublisher.from_url(f"redis://127.0.0.1:{port}/0", "p:")
    publisher.announce("web")  # the change has committed: this must not fail it
    publisher.close()
    assert "client change of web not published" in caplog.text
