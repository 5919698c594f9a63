"""The bootstrapped token service hears client changes on Redis: a remembered client
authentication keeps answering after the client changed behind its back (the cache at
work), and stops the moment the change is announced — long before the TTL."""

from __future__ import annotations

import secrets
import time

import redis
from authgate_common.client_changes import ClientChangePublisher, channel_name
from authgate_common.testing import REDIS_URL

TOKEN = "/api/v1/oauth/token"
CC = {"grant_type": "client_credentials"}


def test_an_announced_change_ends_the_remembered_authentication(harness) -> None:
    assert harness.settings.CLIENT_AUTH_CACHE_SECONDS >= 5
    prefix = harness.settings.REDIS_KEY_PREFIX
    admin = redis.Redis.from_url(REDIS_URL)
    deadline = time.monotonic() + 10
    while admin.pubsub_numsub(channel_name(prefix))[0][1] < 1:
        assert time.monotonic() < deadline, "the token service never subscribed"
        time.sleep(0.05)
    admin.close()
    time.sleep(0.2)  # its listener has read the confirmation

    client_id, old = "svc-" + secrets.token_hex(4), secrets.token_urlsafe(32)
    harness.fakes.add_client(client_id, old, grant_types=("client_credentials",), scopes="read")
    assert harness.http.post(TOKEN, auth=(client_id, old), data=CC).status_code == 200
    new = secrets.token_urlsafe(32)
    harness.fakes.add_client(client_id, new, grant_types=("client_credentials",), scopes="read")
    assert harness.http.post(TOKEN, auth=(client_id, old), data=CC).status_code == 200  # remembered

    publisher = ClientChangePublisher.from_url(REDIS_URL, prefix)
    publisher.announce(client_id)
    publisher.close()
    deadline = time.monotonic() + 1.0
    while (resp := harness.http.post(TOKEN, auth=(client_id, old), data=CC)).status_code == 200:
        assert time.monotonic() < deadline, "the old secret still works a second after the announcement"
        time.sleep(0.02)
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"
    assert harness.http.post(TOKEN, auth=(client_id, new), data=CC).status_code == 200
