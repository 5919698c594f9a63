"""Guessing a client's credentials meets a limit (issue 15 §3; RFC 6749 §2.3.1): failed
client authentications are counted per client_id and caller address across the token
replicas; past the limit that pair answers 429 `temporarily_unavailable` with Retry-After,
the right secret included, at /token, /introspect and /revoke alike; the client still works
from its other addresses; refused private_key_jwt assertions count too; every failure is
audited `client.auth_failed`.

The caller's address is the one Envoy vouches for: it appends the peer it saw to
X-Forwarded-For, so a client socket bound to 127.0.0.2 is another address. The session
stack's token replicas are restarted with a low limit for this module (the limit is
otherwise set out of reach)."""

from __future__ import annotations

import json
import os
import pathlib
import secrets
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from assertion_kit import JWT_BEARER, STRANGER_KEY, assertion, public_jwks
from authgate_devstack.stack import Stack
from flowkit import AUTHGATE, Cli, Flow, settle_after_restart

MAX_FAILURES = 5
LOCK_SECONDS = 8
CC = {"grant_type": "client_credentials"}
TOKEN, INTROSPECT, REVOKE = "/api/v1/oauth/token", "/api/v1/oauth/introspect", "/api/v1/oauth/revoke"
LOCKED = {"error": "temporarily_unavailable",
          "error_description": "too many failed client authentications from this address"}


@pytest.fixture(scope="module")
def guarded(stack: Stack) -> Iterator[Stack]:
    with stack.reconfigured("token", {"CLIENT_AUTH_MAX_FAILURES": str(MAX_FAILURES),
                                      "CLIENT_AUTH_FAILURE_WINDOW_SECONDS": "300",
                                      "CLIENT_AUTH_LOCK_SECONDS": str(LOCK_SECONDS)}):
        yield stack
    settle_after_restart(Flow(stack, Cli(stack)), stack)  # its callers reconnect to the token service


def from_address(stack: Stack, address: str) -> httpx.Client:
    """A client whose connections to the gateway come from `address` (a loopback alias)."""
    return httpx.Client(base_url=stack.base_url, timeout=30,
                        transport=httpx.HTTPTransport(local_address=address))


def service_client(stack: Stack) -> tuple[str, str]:
    client = Flow(stack, Cli(stack)).client("--grant-type", "client_credentials", scopes="read")
    return client.client_id, client.client_secret


def assert_locked(resp: httpx.Response) -> int:
    assert resp.status_code == 429, resp.text
    assert resp.json() == LOCKED
    assert resp.headers["cache-control"] == "no-store"
    retry_after = int(resp.headers["retry-after"])
    assert 1 <= retry_after <= LOCK_SECONDS
    return retry_after


def audited_failures(stack: Stack, client_id: str, count: int, seconds: float = 15) -> list[dict[str, Any]]:
    """The `client.auth_failed` rows of `client_id`, once `count` of them are written (buffered)."""
    deadline = time.monotonic() + seconds
    while True:
        proc = subprocess.run([AUTHGATE, "audit", "--type", "client.auth_failed", "--since", "1h",
                               "--limit", "1000", "--json"], capture_output=True, text=True,
                              env={**os.environ, **stack.cli_env()}, cwd=stack.workdir, timeout=60,
                              check=True)
        rows = [e for e in json.loads(proc.stdout) if e["client_id"] == client_id]
        if len(rows) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(0.5)


def test_wrong_secrets_lock_that_address_out_even_with_the_right_secret(guarded: Stack) -> None:
    client_id, secret = service_client(guarded)
    with from_address(guarded, "127.0.0.1") as guesser, from_address(guarded, "127.0.0.2") as app:
        for _ in range(MAX_FAILURES):
            resp = guesser.post(TOKEN, data=CC, auth=(client_id, "guessed-" + secrets.token_hex(8)))
            assert resp.status_code == 401 and resp.json()["error"] == "invalid_client", resp.text
        assert_locked(guesser.post(TOKEN, data=CC, auth=(client_id, "guessed")))
        # The right secret from the guessing address: refused alike, so no guess learns it was right.
        retry_after = assert_locked(guesser.post(TOKEN, data=CC, auth=(client_id, secret)))
        # From the client's own address it works, at every endpoint.
        token = app.post(TOKEN, data=CC, auth=(client_id, secret))
        assert token.status_code == 200, token.text
        access = token.json()["access_token"]
        assert app.post(INTROSPECT, data={"token": access}, auth=(client_id, secret)).json()["active"] is True
        assert_locked(guesser.post(INTROSPECT, data={"token": access}, auth=(client_id, secret)))
        assert_locked(guesser.post(REVOKE, data={"token": access}, auth=(client_id, secret)))
        time.sleep(retry_after)
        assert guesser.post(TOKEN, data=CC, auth=(client_id, secret)).status_code == 200  # the lock ends

    rows = audited_failures(guarded, client_id, MAX_FAILURES)
    assert [r["details"]["failures"] for r in rows] == list(range(1, MAX_FAILURES + 1))
    assert {r["source_address"] for r in rows} == {"127.0.0.1"}
    assert rows[-1]["details"] == {"method": "client_secret", "failures": MAX_FAILURES,
                                   "locked_seconds": LOCK_SECONDS}
    assert "guessed" not in json.dumps(rows)


def test_two_token_replicas_share_one_count(guarded: Stack) -> None:
    client_id, secret = service_client(guarded)
    replicas = [httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
                for port in guarded.ports.http["token"]]
    assert len(replicas) == 2
    try:
        # Alternating: each replica alone would allow MAX_FAILURES.
        statuses = [replicas[i % 2].post(TOKEN, data=CC, auth=(client_id, "guessed")).status_code
                    for i in range(MAX_FAILURES)]
        assert statuses == [401] * MAX_FAILURES
        for replica in replicas:
            assert_locked(replica.post(TOKEN, data=CC, auth=(client_id, secret)))
    finally:
        for replica in replicas:
            replica.close()
    with from_address(guarded, "127.0.0.1") as same, from_address(guarded, "127.0.0.3") as other:
        # Through the gateway the address is the same 127.0.0.1: still locked.
        assert_locked(same.post(TOKEN, data=CC, auth=(client_id, secret)))
        assert other.post(TOKEN, data=CC, auth=(client_id, secret)).status_code == 200


@pytest.fixture(scope="module")
def key_client(flow: Flow, guarded: Stack, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = pathlib.Path(tmp_path_factory.mktemp("jwks")) / "jwks.json"
    path.write_text(json.dumps(public_jwks()))
    cid = "pk" + secrets.token_hex(5)
    out = flow.cli("client", "create", "--client-id", cid, "--grant-type", "client_credentials",
                   "--scope", "read", "--jwks-file", str(path))
    assert out["token_endpoint_auth_method"] == "private_key_jwt"
    return cid


def test_refused_private_key_jwt_assertions_count_too(flow: Flow, guarded: Stack, key_client: str) -> None:
    def signed_by(key: Any = None) -> dict[str, str]:
        signed = assertion(flow, key_client) if key is None else assertion(flow, key_client, key=key)
        return {**CC, "client_assertion_type": JWT_BEARER, "client_assertion": signed}

    with from_address(guarded, "127.0.0.1") as guesser, from_address(guarded, "127.0.0.4") as app:
        for _ in range(MAX_FAILURES):  # no client_id in the form: the assertion names the client
            resp = guesser.post(TOKEN, data=signed_by(STRANGER_KEY))
            assert resp.status_code == 401 and resp.json()["error"] == "invalid_client", resp.text
        assert_locked(guesser.post(TOKEN, data=signed_by()))
        assert_locked(guesser.post(TOKEN, data={**signed_by(), "client_id": key_client}))
        resp = app.post(TOKEN, data=signed_by())
        assert resp.status_code == 200, resp.text
    rows = audited_failures(guarded, key_client, MAX_FAILURES)
    assert {r["details"]["method"] for r in rows} == {"private_key_jwt"}
    assert rows[-1]["details"]["locked_seconds"] == LOCK_SECONDS
