"""Revoked jtis and clients, as every token replica learns them at once (issue 18).

A revocation is pushed to the deny-list on the replica that made it (grant_ledger.py). The
`PublishingDenyList` around the deny-list also publishes each push on a Redis channel
(`<prefix>token:revocations`, JSON); every replica's `RevocationListener` hears it and
hands it to its `FeedHub`, which relays it to the verifiers connected there. Without Redis
(one embedded process) the push goes straight to the local hub.

Pub/sub is at-most-once: a lost subscription ends every open feed stream (their verifiers
refuse, reconnect and get a snapshot from the record), and the periodic deny-list sync
pushes recent revocations again through the same wrapper, so a lost publish is made good
within a sync interval even where no subscription was lost.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import redis
from authgate_common.client_changes import ClientChangeListener
from redis.backoff import NoBackoff
from redis.retry import Retry

from ..domain.revocation.deny_list import DenyList
from ..domain.revocation.feed_hub import FeedHub, RevocationBatch

log = logging.getLogger(__name__)
CHANNEL = "token:revocations"
PUBLISH_TIMEOUT_SECONDS = 1.0


def _redis(url: str, timeout: float) -> redis.Redis:
    # No transparent retry: a lost connection must reach the listener (as client_changes.py).
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout,
                                socket_keepalive=True, retry=Retry(NoBackoff(), 0))


def channel_name(key_prefix: str) -> str:
    return key_prefix + CHANNEL


def encode(batch: RevocationBatch) -> str:
    return json.dumps({"jtis": batch.jtis, "clients": batch.clients}, separators=(",", ":"))


def decode(raw: str | bytes) -> RevocationBatch:
    """ValueError when it is not one of ours."""
    try:
        value = json.loads(raw)
        jtis = [(str(j), float(t)) for j, t in value.get("jtis", [])]
        clients = [(str(c), int(b), float(t)) for c, b, t in value.get("clients", [])]
    except (TypeError, ValueError, AttributeError) as exc:
        raise ValueError("not a revocation message") from exc
    return RevocationBatch(jtis=jtis, clients=clients)


class PublishingDenyList:
    """A DenyList that also announces what it was given (the DenyList protocol otherwise)."""

    def __init__(self, inner: DenyList, publish: Callable[[RevocationBatch], None],
                 clock: Callable[[], float] = time.time) -> None:
        self._inner = inner
        self._publish = publish
        self._clock = clock
        # The rest is the deny-list's own (bound once: `check` is on every validation).
        self.check = inner.check
        self.is_complete = inner.is_complete
        self.claim_rebuild = inner.claim_rebuild
        self.complete_rebuild = inner.complete_rebuild
        self.release_rebuild = inner.release_rebuild

    def add(self, entries: Sequence[tuple[str, int]]) -> None:
        self._inner.add(entries)
        now = self._clock()
        self._announce(RevocationBatch(jtis=[(jti, now + ttl) for jti, ttl in entries]))

    def add_clients(self, entries: Sequence[tuple[str, int, int]]) -> None:
        self._inner.add_clients(entries)
        now = self._clock()
        self._announce(RevocationBatch(clients=[(c, int(before), now + ttl) for c, before, ttl in entries]))

    def _announce(self, batch: RevocationBatch) -> None:
        if not batch:
            return
        try:
            self._publish(batch)
        except (redis.RedisError, OSError) as exc:  # the deny-list has it; the sync re-publishes
            log.warning("revocation not published to verifiers (%s); the next deny-list sync "
                        "publishes it again", type(exc).__name__)


class RedisRevocationPublisher:
    def __init__(self, url: str, key_prefix: str) -> None:
        self._r = _redis(url, PUBLISH_TIMEOUT_SECONDS)
        self._channel = channel_name(key_prefix)

    def __call__(self, batch: RevocationBatch) -> None:
        self._r.publish(self._channel, encode(batch))

    def close(self) -> None:
        self._r.close()


class RevocationListener(ClientChangeListener):
    """The client-change listener's subscription loop (pings, reconnects with backoff) on
    the revocation channel: each message goes to the hub; a (re)subscription or a loss ends
    every open stream, since what was published meanwhile is unknown."""

    @classmethod
    def for_hub(cls, url: str, key_prefix: str, hub: FeedHub,
                ping_seconds: float = 1.0) -> RevocationListener:
        listener = cls(_redis(url, max(2.0, ping_seconds)), channel_name(key_prefix),
                       ping_seconds=ping_seconds)
        listener._hub = hub
        return listener

    _hub: FeedHub

    def start_relaying(self) -> RevocationListener:
        self.start(on_change=lambda _: None, on_reset=self._hub.drop_all)
        return self

    def _receive(self, message: dict[str, Any]) -> None:
        if message.get("type") != "message":
            super()._receive(message)  # subscribe (then a reset) and pong
            return
        try:
            batch = decode(message["data"])
        except ValueError:
            log.warning("ignored a malformed message on the revocation channel; resyncing verifiers")
            self._hub.drop_all()
            return
        self._hub.deliver(batch)


def relay(redis_url: str | None, key_prefix: str, hub: FeedHub, ping_seconds: float = 1.0,
          ) -> tuple[Callable[[RevocationBatch], None], Callable[[], bool], list[Callable[[], None]]]:
    """How this replica publishes revocations, whether its relay is whole, what closes it:
    over Redis between replicas, or straight to the hub in one process without Redis."""
    if not redis_url:
        return hub.deliver, lambda: True, [hub.close]
    publisher = RedisRevocationPublisher(redis_url, key_prefix)
    listener = RevocationListener.for_hub(redis_url, key_prefix, hub, ping_seconds).start_relaying()
    return publisher, lambda: listener.healthy, [hub.close, listener.stop, publisher.close]


def session_relay(hub: FeedHub) -> Callable[[Sequence[Any]], None]:
    """RevokedSessions' `on_revocations`: each revoked session to the verifiers too."""
    def deliver(revocations: Sequence[Any]) -> None:
        hub.deliver(RevocationBatch(sessions=[(r.sid, r.expires_at.ToMicroseconds() / 1e6)
                                              for r in revocations]))
    return deliver
