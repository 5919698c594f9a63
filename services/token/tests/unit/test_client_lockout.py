"""Guessing a client's credentials: failures counted per client_id and address, the
max-th locks that pair (429 with Retry-After, the right secret too), other addresses and
clients unaffected; private_key_jwt failures count the same; every failure audited."""

from __future__ import annotations

import base64
import json

import pytest
from authgate_common.core.audit import MemoryAuditTrail, current_source
from authgate_common.core.errors import (
    RETRY_AFTER_KEY,
    InvalidClient,
    TemporarilyUnavailable,
    TooManyRequests,
)
from authgate_common.core.kv import MemoryStore
from fastapi.testclient import TestClient
from token_fakes import Calls, DownStore, Seconds, add_lifecycle_clients
from token_service.domain.clients.lockout import (
    LOCKED,
    ClientLockout,
    LockedOutClients,
    LockoutPolicy,
    assertion_subject,
)
from token_service.domain.ports import Client, RedeemedGrant

POLICY = LockoutPolicy(max_failures=3, window_seconds=60, lock_seconds=30)
CC = {"grant_type": "client_credentials"}


def jwt_claiming(sub: object) -> str:
    payload = base64.urlsafe_b64encode(json.dumps({"iss": sub, "sub": sub}).encode()).rstrip(b"=").decode()
    return f"eyJhbGciOiJSUzI1NiJ9.{payload}.sig"


class OneClient:
    """Knows client `app`: secret `right`, or an assertion claiming it and signed `sig`."""

    def authenticate_client(self, client_id: str, client_secret: str, *, client_assertion_type: str = "",
                            client_assertion: str = "") -> Client:
        if client_assertion:
            if assertion_subject(client_assertion) == "app" and client_assertion.endswith(".sig"):
                return Client("app")
        elif client_id == "app" and client_secret == "right":
            return Client("app")
        raise InvalidClient()

    def redeem_code(self, code: str, client_id: str, redirect_uri: str, code_verifier: str) -> RedeemedGrant:
        raise NotImplementedError


def clocked_lockout() -> tuple[ClientLockout, Seconds]:
    """The lockout with the store's TTLs and its own clock on one settable clock."""
    clock = Seconds(1_000_000.0)
    return ClientLockout(MemoryStore(clock=clock), POLICY, clock), clock


def guarded(address: list[str]) -> tuple[LockedOutClients, MemoryAuditTrail, Seconds]:
    lockout, clock = clocked_lockout()
    audit = MemoryAuditTrail()
    clients = LockedOutClients(OneClient(), lockout, audit, address=lambda: address[0])
    return clients, audit, clock


def test_the_max_th_failure_locks_the_pair_and_retry_after_counts_down() -> None:
    lockout, clock = clocked_lockout()
    assert [lockout.failed("app", "203.0.113.7") for _ in range(3)] == [(1, 0), (2, 0), (3, 30)]
    with pytest.raises(TooManyRequests) as caught:
        lockout.check("app", "203.0.113.7")
    assert caught.value.status_code == 429 and caught.value.error == "temporarily_unavailable"
    assert caught.value.description == LOCKED
    assert caught.value.metadata[RETRY_AFTER_KEY] == "30"
    lockout.check("app", "198.51.100.2")  # the client's other addresses are not locked
    lockout.check("other", "203.0.113.7")  # nor the address's other clients
    clock.now += 12.5
    with pytest.raises(TooManyRequests) as caught:
        lockout.check("app", "203.0.113.7")
    assert caught.value.metadata[RETRY_AFTER_KEY] == "18"
    clock.now += 18
    lockout.check("app", "203.0.113.7")  # the lock is over


def test_a_failure_past_the_max_inside_the_window_locks_again_and_the_window_resets() -> None:
    lockout, clock = clocked_lockout()
    for _ in range(3):
        lockout.failed("app", "203.0.113.7")
    clock.now += 31  # the lock is over, the window (60 s) is not
    assert lockout.failed("app", "203.0.113.7") == (4, 30)
    clock.now += 30  # the window is over: the count starts again
    assert lockout.failed("app", "203.0.113.7") == (1, 0)


def test_wrong_secrets_lock_the_right_one_out_from_that_address_only() -> None:
    address = ["203.0.113.7"]
    clients, audit, _clock = guarded(address)
    for _ in range(3):
        with pytest.raises(InvalidClient):
            clients.authenticate_client("app", "guess")
    with pytest.raises(TooManyRequests):
        clients.authenticate_client("app", "right")  # a guess must not learn it was right
    address[0] = "198.51.100.2"
    assert clients.authenticate_client("app", "right").client_id == "app"
    assert audit.types() == ["client.auth_failed"] * 3
    assert [e.details for e in audit.events] == [
        {"method": "client_secret", "failures": 1},
        {"method": "client_secret", "failures": 2},
        {"method": "client_secret", "failures": 3, "locked_seconds": 30},
    ]
    assert {(e.client_id, e.source) for e in audit.events} == {("app", "203.0.113.7")}
    assert "guess" not in repr(audit.events)


def test_refused_assertions_count_against_the_client_they_claim_to_be() -> None:
    address = ["203.0.113.7"]
    clients, audit, _clock = guarded(address)
    for _ in range(3):
        with pytest.raises(InvalidClient):
            clients.authenticate_client("", "", client_assertion_type="jwt-bearer",
                                        client_assertion=jwt_claiming("app") + "-forged")
    with pytest.raises(TooManyRequests):
        clients.authenticate_client("", "", client_assertion=jwt_claiming("app"))
    with pytest.raises(TooManyRequests):  # the same pair, whichever method
        clients.authenticate_client("app", "right")
    address[0] = "198.51.100.2"
    assert clients.authenticate_client("", "", client_assertion=jwt_claiming("app")).client_id == "app"
    assert {(e.client_id, e.details["method"]) for e in audit.events} == {("app", "private_key_jwt")}


def test_the_claimed_subject_of_an_assertion() -> None:
    assert assertion_subject(jwt_claiming("app")) == "app"
    assert assertion_subject(jwt_claiming(42)) == ""
    assert assertion_subject("not-a-jwt") == assertion_subject("a.!!!.c") == ""
    assert assertion_subject("a." + base64.urlsafe_b64encode(b"[1]").decode() + ".c") == ""


def test_a_store_outage_refuses_rather_than_lets_guesses_through() -> None:
    clients = LockedOutClients(OneClient(), ClientLockout(DownStore(), POLICY), MemoryAuditTrail(),
                               address=lambda: "203.0.113.7")
    with pytest.raises(TemporarilyUnavailable):
        clients.authenticate_client("app", "right")


def test_token_introspect_and_revoke_share_the_count(world_factory) -> None:
    world = world_factory(CLIENT_AUTH_MAX_FAILURES=3)
    add_lifecycle_clients(world)
    calls = Calls(world, auth=("svc", "svc-secret"))
    token = calls.token(CC).access_token
    source = current_source.set("203.0.113.7")
    try:
        with pytest.raises(InvalidClient):
            calls.token(CC, auth=("svc", "guess"))
        with pytest.raises(InvalidClient):
            calls.introspect(token, auth=("svc", "guess"))
        with pytest.raises(InvalidClient):
            calls.revoke(token, auth=("svc", "guess"))
        for send in (lambda: calls.token(CC), lambda: calls.introspect(token), lambda: calls.revoke(token)):
            with pytest.raises(TooManyRequests):
                send()
    finally:
        current_source.reset(source)
    assert calls.introspect(token)["active"] is True  # from elsewhere, the client still works
    assert world.service.audit.types().count("client.auth_failed") == 3  # type: ignore[attr-defined]


def test_the_http_answer_is_429_with_retry_after_and_no_store(world_factory) -> None:
    world = world_factory(CLIENT_AUTH_MAX_FAILURES=2, CLIENT_AUTH_LOCK_SECONDS=45)
    add_lifecycle_clients(world)
    with TestClient(world.service.http_app) as http:
        statuses = [http.post("/api/v1/oauth/token", data=CC, auth=("svc", "guess")).status_code
                    for _ in range(2)]
        resp = http.post("/api/v1/oauth/token", data=CC, auth=("svc", "svc-secret"))
    assert statuses == [401, 401]
    assert resp.status_code == 429
    assert resp.json() == {"error": "temporarily_unavailable", "error_description": LOCKED}
    assert 1 <= int(resp.headers["retry-after"]) <= 45
    assert resp.headers["cache-control"] == "no-store"
