"""Back-channel logout cannot be turned against the inside (issue 15, defect 6: SSRF).

The authorization service POSTs logout tokens to whatever URI a client registered, from
inside the network. Through the whole stack: with BACKCHANNEL_LOGOUT_ALLOW_LOOPBACK off
(the default; the test stack turns it on for its 127.0.0.1 receivers), a client whose
backchannel_logout_uri names a loopback address, or a name that resolves to one, gets
no POST when its session ends; the logout is given up on at once (audited as
`backchannel_logout.refused`), not retried; a receiver's redirect is not followed; and
IP literals of private or metadata ranges are refused at registration.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from authgate_devstack.stack import Stack
from flowkit import (
    AUTHGATE,
    AppClient,
    Flow,
    QuietHandler,
    local_http_server,
    pkce_pair,
    settle_after_restart,
)

STRICT = {"BACKCHANNEL_LOGOUT_ALLOW_LOOPBACK": "false"}
REFUSED = "backchannel_logout.refused"


@dataclass
class Receiver:
    """Logout endpoints on 127.0.0.1: records each POST's path; `redirects` answer 307."""

    port: int = 0
    posts: list[str] = field(default_factory=list)
    redirects: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}/bc/{secrets.token_hex(6)}"

    def at(self, url: str) -> int:
        path = url.split(str(self.port), 1)[1]
        with self.lock:
            return self.posts.count(path)


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    rx = Receiver()

    class Handler(QuietHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            self.rfile.read(int(self.headers.get("content-length") or 0))
            with rx.lock:
                rx.posts.append(self.path)
                location = rx.redirects.get(self.path)
            self.send_response(307 if location else 200)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

    with local_http_server(Handler) as server:
        rx.port = server.server_address[1]
        yield rx


def _session_with(flow: Flow, *clients: AppClient) -> str:
    """A user signs in, each client gets a code, then the user signs out everywhere."""
    user = flow.user()
    with flow.browser() as browser:
        flow.login(browser, user)
        for client in clients:
            flow.code(browser, client, pkce_pair()[1])
        resp = browser.post("/api/v1/logout", headers={"Origin": flow.base})
        assert resp.status_code == 200, resp.text
    return user.id


def _audited(stack: Stack, user_id: str) -> list[dict]:
    proc = subprocess.run([AUTHGATE, "audit", "--user", user_id, "--type", REFUSED, "--json"],
                          capture_output=True, text=True, env={**os.environ, **stack.cli_env()},
                          cwd=stack.workdir, timeout=60, check=True)
    return json.loads(proc.stdout)


def _wait_audited(stack: Stack, user_id: str, count: int, seconds: float = 15.0) -> list[dict]:
    deadline = time.monotonic() + seconds
    events = _audited(stack, user_id)
    while len(events) < count and time.monotonic() < deadline:
        time.sleep(0.3)
        events = _audited(stack, user_id)
    return events


def test_loopback_targets_get_no_logout_when_loopback_is_not_allowed(
    flow: Flow, stack: Stack, receiver: Receiver
) -> None:
    literal, named = receiver.url(), receiver.url(host="localhost")  # localhost resolves to loopback
    by_ip = flow.client("--backchannel-logout-uri", literal)
    by_name = flow.client("--backchannel-logout-uri", named)
    with stack.reconfigured("authorization", STRICT):
        user_id = _session_with(flow, by_ip, by_name)
        events = _wait_audited(stack, user_id, 2)
        time.sleep(2.0)  # a retry would come after 1 s: none does
        assert (receiver.at(literal), receiver.at(named)) == (0, 0)
        assert sorted(e["client_id"] for e in events) == sorted([by_ip.client_id, by_name.client_id])
        assert all(e["service"] == "authorization" and "loopback" in e["details"]["reason"] for e in events)
        assert len(_audited(stack, user_id)) == 2  # refused once each, not retried
    time.sleep(2.0)  # given up for good: allowing loopback again does not revive them
    assert (receiver.at(literal), receiver.at(named)) == (0, 0)
    settle_after_restart(flow, stack)  # the authorization service restarted on the way out


def test_a_receivers_redirect_is_not_followed(flow: Flow, receiver: Receiver) -> None:
    target, moved = receiver.url(), receiver.url()
    receiver.redirects[moved.split(str(receiver.port), 1)[1]] = target
    client = flow.client("--backchannel-logout-uri", moved)
    _session_with(flow, client)
    deadline = time.monotonic() + 15
    while receiver.at(moved) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(2.0)  # a 3xx is final: no retry either
    assert receiver.at(moved) == 1 and receiver.at(target) == 0


@pytest.mark.parametrize("uri", [
    "https://169.254.169.254/latest/meta-data/",
    "https://10.0.0.1/bc",
    "https://[fd00:ec2::254]/bc",
    "https://[::ffff:192.168.1.1]/bc",
    "https://100.64.0.1/bc",
])
def test_a_private_or_metadata_ip_is_refused_at_registration(flow: Flow, uri: str) -> None:
    with pytest.raises(AssertionError, match="public host"):
        flow.client("--backchannel-logout-uri", uri)
