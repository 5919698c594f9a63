"""Changing a client reaches every token replica at once (issues 7 and 8): two token
replicas remember client authentications for five minutes, yet a secret rotated with
`authgate client rotate-secret`, a client deleted or its scopes changed is seen by both
within a second — through the push (Redis pub/sub), not the TTL. The authorization
service remembers registrations for /authorize just as long, yet a changed redirect_uris
list is what the very next /authorize honours; each change is in the audit trail, with
no secret.

The session stack's token and authorization replicas, restarted for this module with
caches far longer than the test, so only the push can explain a change seen in time.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import psycopg
import pytest
import redis
from authgate_common.client_changes import channel_name
from authgate_common.testing import REDIS_URL
from authgate_devstack.stack import Stack
from flowkit import AUTHGATE, AppClient, Cli, Flow, eventually, pkce_pair, settle_after_restart

pytestmark = pytest.mark.e2e
CACHE_SECONDS = 300
PUSH_SECONDS = 1.0  # what "at once" is allowed to take, from the CLI's return
TOKEN = "/api/v1/oauth/token"


@dataclass
class Private:
    stack: Stack
    flow: Flow
    cli: Cli
    db_url: str

    def replicas(self) -> list[httpx.Client]:
        """Each token replica on its own, to see both caches (Envoy would pick one per request)."""
        return [httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
                for port in self.stack.ports.http["token"]]


@pytest.fixture(scope="module")
def private(stack: Stack, cli: Cli, flow: Flow) -> Iterator[Private]:
    with stack.reconfigured("token", {"CLIENT_AUTH_CACHE_SECONDS": str(CACHE_SECONDS)}), \
            stack.reconfigured("authorization", {"CLIENT_CACHE_SECONDS": str(CACHE_SECONDS)}):
        # Every replica listens before any test warms a cache (until then it is bypassed).
        r = redis.Redis.from_url(REDIS_URL)
        channel = channel_name(stack.env["REDIS_KEY_PREFIX"])
        replicas = len(stack.ports.http["token"]) + len(stack.ports.http["authorization"])
        eventually(lambda: r.pubsub_numsub(channel)[0][1] == replicas, "every replica subscribed", 30)
        r.close()
        time.sleep(0.2)  # and have read the confirmation
        assert stack.database_admin_url  # behind the services' backs: as the administrator
        private = Private(stack, flow, cli, stack.database_admin_url)
        # Every token replica reaches the restarted authorization service (its channel may
        # still be backing off): an unknown client is a 401 answered by it, not a 503.
        for http in private.replicas():
            eventually(lambda http=http: client_credentials(http, "nobody", "x" * 32).status_code == 401,
                       "the token replica reaches the authorization service", 30)
        yield private
    settle_after_restart(flow, stack)  # restarted again on the way out


def client_credentials(http: httpx.Client, client_id: str, secret: str,
                       scope: str = "read") -> httpx.Response:
    return http.post(TOKEN, data={"grant_type": "client_credentials", "scope": scope},
                     auth=(client_id, secret))


def service_client(private: Private, scopes: str = "read") -> AppClient:
    return private.flow.client("--grant-type", "client_credentials", scopes=scopes)


def warm_and_prove_cached(private: Private, client: AppClient) -> None:
    """Both replicas accept the secret, then keep accepting it with the stored hash replaced
    behind the authorization service's back (no announcement): each answers from its cache."""
    for http in private.replicas():
        assert client_credentials(http, client.client_id, client.client_secret).status_code == 200
    with psycopg.connect(private.db_url, autocommit=True) as db:
        db.execute('UPDATE "authorization".clients SET secret_hash = %s WHERE client_id = %s',
                   ("0" * 64, client.client_id))
    for http in private.replicas():
        resp = client_credentials(http, client.client_id, client.client_secret)
        assert resp.status_code == 200, f"not served from the cache: {resp.text}"


def refused_everywhere_within(private: Private, client_id: str, secret: str, seconds: float) -> float:
    """Poll each replica until it answers 401 invalid_client; fail past `seconds`."""
    start, pending = time.monotonic(), dict(enumerate(private.replicas()))
    while pending:
        for i, http in list(pending.items()):
            resp = client_credentials(http, client_id, secret)
            if resp.status_code == 401:
                assert resp.json()["error"] == "invalid_client"
                assert resp.headers["www-authenticate"].startswith("Basic")
                del pending[i]
            else:
                assert resp.status_code == 200, resp.text
        elapsed = time.monotonic() - start
        assert not pending or elapsed < seconds, (
            f"replica(s) {sorted(pending)} still accept after {elapsed:.2f}s")
        time.sleep(0.02 if pending else 0)
    return elapsed


def audit(private: Private, client_id: str) -> list[dict]:
    """The registry's record of the client (the authorization service's rows; the token
    service records the refused attempts with the old secret as client.auth_failed)."""
    env = {**os.environ, **private.stack.cli_env()}
    proc = subprocess.run([AUTHGATE, "audit", "--type", "client.*", "--json"], capture_output=True, text=True,
                          env=env, cwd=private.stack.workdir, timeout=60, check=True)
    return [e for e in json.loads(proc.stdout)
            if e["client_id"] == client_id and e["service"] == "authorization"]


def test_a_rotated_secret_stops_on_every_replica_at_once_and_the_new_one_works(private: Private) -> None:
    client = service_client(private)
    warm_and_prove_cached(private, client)

    rotated = private.cli("client", "rotate-secret", client.client_id)
    new = rotated["client_secret"]
    assert new and new != client.client_secret

    refused_everywhere_within(private, client.client_id, client.client_secret, PUSH_SECONDS)
    for http in private.replicas():
        assert client_credentials(http, client.client_id, new).status_code == 200
    with httpx.Client(base_url=private.flow.base, timeout=10) as gateway:
        assert client_credentials(gateway, client.client_id, new).status_code == 200
        old = client_credentials(gateway, client.client_id, client.client_secret)
        assert old.status_code == 401 and old.json()["error"] == "invalid_client"

    events = audit(private, client.client_id)
    assert [e["type"] for e in events] == ["client.created", "client.secret_rotated"]
    assert events[1]["actor"] == "operator" and events[1]["details"] == {"generated": True}
    assert new not in json.dumps(events) and client.client_secret not in json.dumps(events)


def test_a_deleted_client_stops_on_every_replica_at_once(private: Private) -> None:
    client = service_client(private)
    warm_and_prove_cached(private, client)
    assert private.cli("client", "delete", "--client-id", client.client_id)["deleted"] is True
    refused_everywhere_within(private, client.client_id, client.client_secret, PUSH_SECONDS)
    assert [e["type"] for e in audit(private, client.client_id)] == ["client.created", "client.deleted"]


def test_a_scope_change_is_seen_by_every_replica_at_once(private: Private) -> None:
    client = service_client(private, scopes="read")
    replicas = private.replicas()
    for http in replicas:  # each caches the client as registered: scope read only
        assert client_credentials(http, client.client_id, client.client_secret).status_code == 200
        denied = client_credentials(http, client.client_id, client.client_secret, scope="write")
        assert denied.status_code == 400 and denied.json()["error"] == "invalid_scope"

    out = private.cli("client", "update", client.client_id, "--scope", "read write")
    assert out["changed_fields"] == ["scopes"] and out["scopes"] == ["read", "write"]

    start = time.monotonic()
    for http in replicas:
        eventually(lambda h=http: client_credentials(h, client.client_id, client.client_secret,
                                                     scope="write").status_code == 200,
                   "scope write granted", PUSH_SECONDS - (time.monotonic() - start))
    [changed] = [e for e in audit(private, client.client_id) if e["type"] == "client.changed"]
    assert changed["details"] == {"fields": ["scopes"]} and changed["actor"] == "operator"


def test_authorize_honours_the_updated_redirect_uris(private: Private) -> None:
    flow = private.flow
    client = flow.client()
    new_uri = f"https://app.example/{client.client_id}/moved"
    moved = AppClient(client.client_id, client.client_secret, new_uri)
    verifier, challenge = pkce_pair()
    with flow.browser() as browser:
        flow.login(browser, flow.user())
        # Every authorization replica remembers the registration (Envoy picks one per request).
        for _ in range(2 * len(private.stack.ports.http["authorization"])):
            before = flow.authorize(browser, client, challenge=challenge)
            assert before.status_code == 302 and before.headers["location"].startswith(client.redirect_uri)
        out = private.cli("client", "update", client.client_id, "--redirect-uri", new_uri)
        assert out["redirect_uris"] == [new_uri] and out["changed_fields"] == ["redirect_uris"]
        time.sleep(PUSH_SECONDS)  # the push reaches the replicas that did not make the change
        ok = flow.authorize(browser, moved, challenge=challenge)
        assert ok.status_code == 302 and ok.headers["location"].startswith(new_uri + "?")
        code = urllib.parse.parse_qs(urllib.parse.urlsplit(ok.headers["location"]).query)["code"][0]
        old = flow.authorize(browser, client, challenge=challenge)
        assert old.status_code == 400 and "location" not in old.headers  # never redirected there
    tokens = flow.exchange(moved, code, verifier)
    assert tokens.status_code == 200, tokens.text
