"""OIDC Back-Channel Logout 1.0 through the whole stack (issue 4, item 7): when a session
ends — global logout, one device revoked, RP-initiated logout — every client that got a
code in it and registered a backchannel_logout_uri receives one POSTed `logout_token`,
signed with our key (it verifies against the published JWKS) and carrying iss, aud, iat,
exp, jti, sid, sub and the logout event; failures are retried with backoff; a receiver
that hangs never slows the user's logout. A small HTTP receiver thread plays the clients.

Run with AUTHGATE_TEST_REPLICAS=2 (every service twice) the "exactly one" assertions show
that replicas do not deliver the same logout twice.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from flowkit import AppClient, Flow, QuietHandler, SignInUser, local_http_server, pkce_pair
from jose import jws

EVENT = "http://schemas.openid.net/event/backchannel-logout"
HANG = "hang"


@dataclass
class Delivery:
    at: float
    content_type: str
    form: dict[str, list[str]]

    @property
    def token(self) -> str:
        (token,) = self.form["logout_token"]
        return token


@dataclass
class Receiver:
    """Clients' back-channel logout endpoints: records every POST; answers per a plan."""

    server: ThreadingHTTPServer
    received: dict[str, list[Delivery]] = field(default_factory=dict)
    plans: dict[str, list[Any]] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def endpoint(self, *plan: Any) -> str:
        """A fresh endpoint answering these statuses (or HANG) in turn, then 200."""
        path = "/bc/" + secrets.token_hex(6)
        self.plans[path] = list(plan)
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def at(self, url: str) -> list[Delivery]:
        with self.lock:
            return list(self.received.get(urllib.parse.urlsplit(url).path, []))

    def wait(self, url: str, count: int, seconds: float = 15.0) -> list[Delivery]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and len(self.at(url)) < count:
            time.sleep(0.05)
        return self.at(url)


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    holder: dict[str, Receiver] = {}

    class Handler(QuietHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            rx = holder["rx"]
            body = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
            with rx.lock:
                rx.received.setdefault(self.path, []).append(
                    Delivery(
                        time.monotonic(), self.headers.get("content-type", ""), urllib.parse.parse_qs(body)
                    )
                )
                plan = rx.plans.get(self.path, [])
                action = plan.pop(0) if plan else 200
            if action == HANG:
                rx.release.wait(30)
                action = 200
            self.send_response(action)
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", "0")
            self.end_headers()

    with local_http_server(Handler) as server:
        holder["rx"] = rx = Receiver(server)
        try:
            yield rx
        finally:
            rx.release.set()


def _bc_client(flow: Flow, uri: str) -> AppClient:
    return flow.client("--backchannel-logout-uri", uri)


def _code_in(flow: Flow, browser: httpx.Client, client: AppClient, exchange: bool = False) -> dict:
    verifier, challenge = pkce_pair()
    code = flow.code(browser, client, challenge)
    if not exchange:
        return {}
    resp = flow.exchange(client, code, verifier)
    assert resp.status_code == 200, resp.text
    return resp.json()


def _verified_claims(flow: Flow, token: str) -> dict:
    """The logout token checked as an RP must (Back-Channel Logout 1.0 §2.6)."""
    header = jws.get_unverified_header(token)
    assert header["alg"] == "RS256" and header["typ"] == "logout+jwt"
    jwks = httpx.get(flow.base + "/.well-known/jwks.json", timeout=10).json()
    (key,) = [k for k in jwks["keys"] if k["kid"] == header["kid"]]
    claims = json.loads(jws.verify(token, key, algorithms=["RS256"]))
    assert claims["iss"] == flow.base
    assert claims["events"] == {EVENT: {}} and "nonce" not in claims
    assert isinstance(claims["jti"], str) and len(claims["jti"]) >= 16
    now = time.time()
    assert claims["iat"] - 60 <= now <= claims["exp"] and claims["exp"] - claims["iat"] <= 300
    return claims


def _same_origin(flow: Flow) -> dict[str, str]:
    return {"Origin": flow.base}


def test_every_client_of_the_ended_session_gets_one_verifiable_logout_token(
    flow: Flow, receiver: Receiver
) -> None:
    rp1_url, rp2_url, bystander_url = receiver.endpoint(), receiver.endpoint(), receiver.endpoint()
    rp1, rp2 = _bc_client(flow, rp1_url), _bc_client(flow, rp2_url)
    bystander = _bc_client(flow, bystander_url)  # registered, but never used in this session
    plain = flow.client()  # took part, but registered no URI
    user = flow.user()
    with flow.browser() as browser, flow.browser() as elsewhere:
        sid = flow.login(browser, user).json()["sid"]
        id_token = _code_in(flow, browser, rp1, exchange=True)["id_token"]
        _code_in(flow, browser, rp2)
        _code_in(flow, browser, rp2)
        _code_in(flow, browser, plain)
        flow.login(elsewhere, flow.user())
        _code_in(flow, elsewhere, bystander)  # someone else's session: must not be told

        resp = browser.post("/api/v1/logout", headers=_same_origin(flow))
        assert resp.status_code == 200, resp.text

    for url, client in ((rp1_url, rp1), (rp2_url, rp2)):
        (delivery,) = receiver.wait(url, 1)
        assert delivery.content_type.startswith("application/x-www-form-urlencoded")
        claims = _verified_claims(flow, delivery.token)
        assert claims["aud"] == client.client_id
        assert claims["sid"] == sid and claims["sub"] == user.id
    assert claims["sid"] == json.loads(jws.get_unverified_claims(id_token))["sid"]
    time.sleep(1.5)  # nothing more arrives: each client told exactly once
    assert len(receiver.at(rp1_url)) == 1 and len(receiver.at(rp2_url)) == 1
    assert receiver.at(bystander_url) == []


def test_a_receiver_that_fails_twice_gets_the_token_on_a_retry(flow: Flow, receiver: Receiver) -> None:
    url = receiver.endpoint(503, 500)
    rp = _bc_client(flow, url)
    user = flow.user()
    with flow.browser() as laptop, flow.browser() as phone:
        flow.login(laptop, user)
        phone_sid = flow.login(phone, user).json()["sid"]
        _code_in(flow, phone, rp)
        resp = laptop.delete(f"/api/v1/sessions/{phone_sid}", headers=_same_origin(flow))  # one device
        assert resp.status_code == 204
    deliveries = receiver.wait(url, 3, seconds=20)
    assert len(deliveries) == 3
    first, second, third = deliveries
    # Exponential backoff: about 1 s, then about 2 s (BACKCHANNEL_LOGOUT_RETRY_BASE_SECONDS=1).
    assert second.at - first.at >= 0.9 and third.at - second.at >= 1.9
    claims = [_verified_claims(flow, d.token) for d in deliveries]
    assert {c["sid"] for c in claims} == {phone_sid} and len({c["jti"] for c in claims}) == 3
    time.sleep(1.5)
    assert len(receiver.at(url)) == 3  # delivered on the third: no more attempts


def test_logout_answers_promptly_while_the_receiver_hangs(flow: Flow, receiver: Receiver) -> None:
    url = receiver.endpoint(HANG)
    rp = _bc_client(flow, url)
    with flow.browser() as browser:
        flow.login(browser, flow.user())
        access = _code_in(flow, browser, rp, exchange=True)["access_token"]
        started = time.monotonic()
        resp = browser.post("/api/v1/logout", headers=_same_origin(flow))
        elapsed = time.monotonic() - started
    assert resp.status_code == 200 and elapsed < 2.0, elapsed
    (hanging,) = receiver.wait(url, 1)  # the delivery is under way, and stuck
    assert hanging.at > started
    userinfo = httpx.get(
        flow.base + "/api/v1/userinfo/me", headers={"Authorization": "Bearer " + access}, timeout=10
    )
    assert userinfo.status_code == 401  # the logout itself took effect meanwhile
    receiver.release.set()
    time.sleep(1.0)
    assert len(receiver.at(url)) == 1


def test_rp_initiated_logout_tells_the_clients_of_that_session(flow: Flow, receiver: Receiver) -> None:
    url = receiver.endpoint()
    bye = f"https://app.example/bye/{secrets.token_hex(4)}"
    rp = flow.client("--backchannel-logout-uri", url, "--post-logout-redirect-uri", bye)
    user: SignInUser = flow.user()
    with flow.browser() as browser:
        sid = flow.login(browser, user).json()["sid"]
        id_token = _code_in(flow, browser, rp, exchange=True)["id_token"]
        resp = browser.get(
            "/api/v1/oauth/logout", params={"id_token_hint": id_token, "post_logout_redirect_uri": bye}
        )
        assert resp.status_code == 303
    (delivery,) = receiver.wait(url, 1)
    claims = _verified_claims(flow, delivery.token)
    assert (claims["aud"], claims["sid"], claims["sub"]) == (rp.client_id, sid, user.id)
