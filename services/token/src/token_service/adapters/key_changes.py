"""A rotation made on one token replica reaches every replica's key set at once.

`authgate keys rotate` (or the admin API) runs on one replica, which signs with the new
key at once. The others would follow at their next key refresh (SIGNING_KEY_REFRESH_SECONDS,
30 s by default) and meanwhile publish a JWKS without the key their peer signs with, so a
resource server that fetched its keys from one of them refuses those tokens until it
fetches again. So the replica that rotated publishes `{"kid": "<current kid>"}` on
`<prefix>token:key-changes`, and every replica's listener wakes its key refresh, which
reads the stored keys (the message itself is only a hint: it carries nothing to trust).

Pub/sub is at-most-once: a (re)subscription or a lost subscription also wakes the refresh,
and the periodic refresh stays the backstop. Without Redis there is one process and
nothing to tell.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import redis
from authgate_common.client_changes import ClientChangeListener
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)
CHANNEL = "token:key-changes"
PUBLISH_TIMEOUT_SECONDS = 1.0


def channel_name(key_prefix: str) -> str:
    return key_prefix + CHANNEL


def _redis(url: str, timeout: float) -> redis.Redis:
    # No transparent retry: a lost connection must reach the listener (as client_changes.py).
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout,
                                socket_keepalive=True, retry=Retry(NoBackoff(), 0))


class KeyChangePublisher:
    """The rotating replica's side: one PUBLISH per rotation; never raises."""

    def __init__(self, url: str, key_prefix: str) -> None:
        self._r = _redis(url, PUBLISH_TIMEOUT_SECONDS)
        self._channel = channel_name(key_prefix)

    def __call__(self, kid: str) -> None:
        try:
            self._r.publish(self._channel, json.dumps({"kid": kid}, separators=(",", ":")))
        except (redis.RedisError, OSError) as exc:  # the periodic refresh still brings it
            log.warning("key rotation not announced to the other replicas (%s); they follow "
                        "within SIGNING_KEY_REFRESH_SECONDS", type(exc).__name__)

    def close(self) -> None:
        self._r.close()


class KeyChangeListener(ClientChangeListener):
    """The client-change listener's subscription loop on the key channel: any message, a
    (re)subscription or a loss wakes this replica's key refresh."""

    @classmethod
    def waking(cls, url: str, key_prefix: str, wake: Callable[[], None],
               ping_seconds: float = 1.0) -> KeyChangeListener:
        listener = cls(_redis(url, max(2.0, ping_seconds)), channel_name(key_prefix),
                       ping_seconds=ping_seconds)
        listener.start(on_change=lambda _: wake(), on_reset=wake)
        return listener

    def _receive(self, message: dict[str, Any]) -> None:
        if message.get("type") == "message":
            self._on_change("")  # the refresh reads the stored keys; the body is only a hint
            return
        super()._receive(message)  # subscribe (then a wake) and pong
