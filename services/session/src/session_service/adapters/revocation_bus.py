"""Revocations between session replicas: Redis pub/sub, or in-process without Redis.

Channel REDIS_KEY_PREFIX + "session:revocations"; each message is a JSON object
{"revocations": [{"sid", "user_id", "revoked_at", "forget_at"}]} (ISO 8601 times).
Pub/sub delivers at most once and only to whoever listens at that moment; what it
loses the feed's periodic read of the record finds again (entrypoints/feed_poller.py).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import redis

from ..domain.feed import RevocationHub
from ..domain.model import Revocation

log = logging.getLogger(__name__)


def encode(revocations: Sequence[Revocation]) -> str:
    return json.dumps({"revocations": [
        {"sid": r.sid, "user_id": r.user_id, "revoked_at": r.revoked_at.isoformat(),
         "forget_at": r.forget_at.isoformat()} for r in revocations]}, separators=(",", ":"))


def decode(raw: str | bytes) -> list[Revocation]:
    items: list[dict[str, Any]] = json.loads(raw)["revocations"]
    return [Revocation(sid=str(i["sid"]), user_id=str(i["user_id"]),
                       revoked_at=datetime.fromisoformat(i["revoked_at"]),
                       forget_at=datetime.fromisoformat(i["forget_at"])) for i in items]


class LocalPublisher:
    """One replica (REDIS_URL unset): straight to this process's streams."""

    def __init__(self, hub: RevocationHub) -> None:
        self._hub = hub

    def publish(self, revocations: Sequence[Revocation]) -> None:
        self._hub.deliver(revocations)


class RedisPublisher:
    """This replica's streams at once, the other replicas through Redis."""

    def __init__(self, hub: RevocationHub, client: redis.Redis, channel: str) -> None:
        self._hub, self._client, self._channel = hub, client, channel

    def publish(self, revocations: Sequence[Revocation]) -> None:
        self._hub.deliver(revocations)
        try:
            self._client.publish(self._channel, encode(revocations))
        except (redis.RedisError, OSError) as exc:
            # Already in the record: other replicas pick it up at their next read of it.
            log.warning("revocation not published to other replicas (%s); the record poll will", exc)


class RedisListener:
    """A daemon thread forwarding what other replicas publish to this replica's hub."""

    def __init__(self, hub: RevocationHub, client: redis.Redis, channel: str,
                 on_resubscribed: Callable[[], None] = lambda: None) -> None:
        self._hub, self._client, self._channel = hub, client, channel
        self._on_resubscribed = on_resubscribed
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="revocation-listener", daemon=True)

    def start(self) -> RedisListener:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        backoff, first = 0.1, True
        while not self._stop.is_set():
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(self._channel)
                if not first:  # whatever was published while we were away is in the record
                    self._on_resubscribed()
                first, backoff = False, 0.1
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=0.5)
                    if message is not None and message.get("type") == "message":
                        self._forward(message["data"])
            except (redis.RedisError, OSError) as exc:
                log.warning("revocation channel lost (%s); resubscribing in %.1fs", exc, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                pubsub.close()

    def _forward(self, data: str | bytes) -> None:
        try:
            self._hub.deliver(decode(data))
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed message on %s", self._channel)
