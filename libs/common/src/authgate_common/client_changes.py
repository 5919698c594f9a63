"""Client changes pushed to every replica that remembers clients, over Redis pub/sub.

Once a change to a client has committed (an update, a rotated secret, a deletion), the
authorization service publishes the client's id on REDIS_KEY_PREFIX +
"authorization:client-changes" as `{"client_id": "…"}`; every token-service replica
listens and drops what it remembers of that client's authentications
(token_service.domain.clients.cache), and every authorization replica what it remembers
of the client's registration (authorization_service.domain.remembered_clients). What
they remember is a `ClientMemory`.

Why pub/sub and not a gRPC stream like the session revocation feed: the cache is only a
shortcut, so a listener that may have missed something can forget everything — no
snapshot, no replay. One PUBLISH from whichever authorization replica made the change
reaches every token replica, whereas a stream lands on one authorization replica, which
would then need to hear its peers' changes (through Redis again, plus a re-read of the
database). And more than one replica needs Redis anyway.

Pub/sub delivers at most once, to whoever listens at that moment, so the listener is
trusted (`healthy`) only while it provably listens: from the confirmation of its
SUBSCRIBE (which first resets the cache: what was published before is unknown) until
an error, or until MISSED_PINGS ping intervals pass without a word from Redis (a
half-open connection never fails by itself). A publish that fails is logged; the
cache's TTL bounds what it costs.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from .core.client_memory import ClientMemory

log = logging.getLogger(__name__)

CHANNEL = "authorization:client-changes"  # after REDIS_KEY_PREFIX
MISSED_PINGS = 3
# A publish runs inside the RPC that made the change: at most ~2 s even with Redis
# unreachable, well inside the caller's deadline (GRPC_CLIENT_TIMEOUT_SECONDS, 5).
PUBLISH_ATTEMPTS = 2
PUBLISH_TIMEOUT_SECONDS = 1.0


def channel_name(key_prefix: str) -> str:
    return key_prefix + CHANNEL


def encode(client_id: str) -> str:
    return json.dumps({"client_id": client_id}, separators=(",", ":"))


def decode(raw: str | bytes) -> str:
    """The client id of a message; ValueError when it is not one."""
    try:
        client_id = json.loads(raw)["client_id"]
    except (TypeError, KeyError) as exc:
        raise ValueError("not a client change") from exc
    if not isinstance(client_id, str) or not client_id:
        raise ValueError("not a client change")
    return client_id


def _redis(url: str, timeout: float) -> redis.Redis:
    # No transparent retry: a lost connection must reach the caller (the listener then
    # resubscribes and resets; a publish is retried, counted, below).
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout,
                                socket_keepalive=True, retry=Retry(NoBackoff(), 0))


class ClientChangePublisher:
    """The authorization service's side: one PUBLISH per committed change."""

    def __init__(self, client: redis.Redis, channel: str, attempts: int = PUBLISH_ATTEMPTS) -> None:
        self._r, self._channel, self._attempts = client, channel, attempts

    @classmethod
    def from_url(cls, url: str, key_prefix: str) -> ClientChangePublisher:
        return cls(_redis(url, PUBLISH_TIMEOUT_SECONDS), channel_name(key_prefix))

    def announce(self, client_id: str) -> None:
        """Never raises: the change itself has committed whatever happens here."""
        error: Exception | None = None
        for attempt in range(self._attempts):
            try:
                self._r.publish(self._channel, encode(client_id))
                return
            except (redis.RedisError, OSError) as exc:
                error = exc
                if attempt + 1 < self._attempts:
                    time.sleep(0.05)
        log.error("client change of %s not published (%s): token replicas may accept its previous "
                  "credentials until CLIENT_AUTH_CACHE_SECONDS pass", client_id, type(error).__name__)

    def close(self) -> None:
        self._r.close()


class ClientChangeListener:
    """A token replica's side: a daemon thread holding the subscription.

    `on_change(client_id)` hears each change; `on_reset()` means "forget everything" and
    comes when the subscription is confirmed (again) and when it is lost. Both run on the
    listener thread and must not block.
    """

    def __init__(self, client: redis.Redis, channel: str, *, ping_seconds: float = 1.0,
                 backoff_initial: float = 0.1, backoff_max: float = 5.0) -> None:
        self._r, self._channel = client, channel
        self._ping = ping_seconds
        self._backoff_initial, self._backoff_max = backoff_initial, backoff_max
        self._on_change: Callable[[str], None] = lambda _: None
        self._on_reset: Callable[[], None] = lambda: None
        self._subscribed = False
        self._last_heard = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="client-changes", daemon=True)

    @classmethod
    def from_url(cls, url: str, key_prefix: str, *, ping_seconds: float = 1.0) -> ClientChangeListener:
        # Reads wait in get_message's own timeout; this one bounds connecting and a stuck write.
        return cls(_redis(url, max(2.0, ping_seconds)), channel_name(key_prefix), ping_seconds=ping_seconds)

    def start(self, on_change: Callable[[str], None], on_reset: Callable[[], None]) -> ClientChangeListener:
        self._on_change, self._on_reset = on_change, on_reset
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._r.close()

    @property
    def healthy(self) -> bool:
        """Subscribed, and Redis answered within the last MISSED_PINGS ping intervals."""
        return self._subscribed and time.monotonic() - self._last_heard < self._ping * MISSED_PINGS

    def wait_healthy(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self.healthy and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.healthy

    def _run(self) -> None:
        backoff = self._backoff_initial
        while not self._stop.is_set():
            pubsub = self._r.pubsub()
            try:
                pubsub.subscribe(self._channel)
                self._listen(pubsub)
                backoff = self._backoff_initial
            except (redis.RedisError, OSError) as exc:
                log.warning("client-change subscription lost (%s); the client cache is bypassed until "
                            "it is back, retrying in %.1fs", exc or type(exc).__name__, backoff)
            except Exception:  # noqa: BLE001 - the listener must outlive any surprise
                log.exception("client-change listener failed; retrying in %.1fs", backoff)
            finally:
                self._lost()
                try:
                    pubsub.close()
                except (redis.RedisError, OSError):
                    pass
            self._stop.wait(backoff)
            backoff = min(backoff * 2, self._backoff_max)

    def _listen(self, pubsub: Any) -> None:
        tick = min(0.5, self._ping / 2)
        last_heard = last_ping = time.monotonic()
        while not self._stop.is_set():
            message = pubsub.get_message(timeout=tick)
            now = time.monotonic()
            if message is not None:
                last_heard = self._last_heard = now
                self._receive(message)
            if now - last_heard >= self._ping * MISSED_PINGS:
                raise TimeoutError(f"no word from Redis for {now - last_heard:.1f}s")
            if now - last_ping >= self._ping:
                pubsub.ping()
                last_ping = now
        # Stopping: left by the loop, not by a loss.

    def _receive(self, message: dict[str, Any]) -> None:
        # A failing callback propagates: the subscription is then dropped and made again,
        # with a reset, rather than trusted after a change it may not have applied.
        kind = message.get("type")
        if kind == "subscribe":
            self._on_reset()  # whatever was published before this moment is unknown
            if not self._subscribed:
                log.info("client-change subscription on %s: the client cache is in use", self._channel)
            self._subscribed = True
        elif kind == "message":
            try:
                client_id = decode(message["data"])
            except ValueError:
                log.warning("ignored a malformed message on %s; forgetting every client", self._channel)
                self._on_reset()
                return
            self._on_change(client_id)
        # "pong": proof enough that the connection lives.

    def _lost(self) -> None:
        self._subscribed = False
        try:
            self._on_reset()
        except Exception:  # noqa: BLE001 - the thread goes on; nothing is trusted meanwhile
            log.exception("client-change reset failed")


def listening_memory(redis_url: str, key_prefix: str, ttl_seconds: float,
                     ping_seconds: float) -> tuple[ClientMemory[Any], ClientChangeListener]:
    """A ClientMemory kept honest by the change subscription: trusted only while the
    listener is healthy, forgetting each changed client and everything on a (re)subscribe
    or a loss. The caller stops the listener."""
    listener = ClientChangeListener.from_url(redis_url, key_prefix, ping_seconds=ping_seconds)
    memory: ClientMemory[Any] = ClientMemory(ttl_seconds, trusted=lambda: listener.healthy)
    listener.start(on_change=memory.forget, on_reset=memory.forget_all)
    return memory, listener
