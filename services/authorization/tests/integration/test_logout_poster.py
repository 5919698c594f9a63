"""The back-channel logout poster against a real HTTP receiver on 127.0.0.1 (issue 15,
defect 6: SSRF). Where it connects is checked when it connects: the name is resolved
once (by an injected resolver here), every address is checked, the socket goes to the
checked address, TLS and the Host header keep the name, and redirects are not followed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpcore
import pytest
from authorization_service.adapters.logout_poster import CheckedBackend, HttpLogoutPoster
from authorization_service.domain.backchannel.ports import DeliveryFailed, DeliveryRefused
from authorization_service.domain.backchannel.targets import TargetPolicy

STRICT = TargetPolicy()
DEVELOPMENT = TargetPolicy(allow_loopback=True, require_https=False)
PUBLIC = "93.184.216.34"


@dataclass
class Receiver:
    port: int = 0
    posts: list[tuple[str, str]] = field(default_factory=list)  # (path, Host header)
    redirect_to: str = ""

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rx = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            self.rfile.read(int(self.headers.get("content-length") or 0))
            rx.posts.append((self.path, self.headers.get("host", "")))
            redirect = self.path == "/moved" and rx.redirect_to
            self.send_response(307 if redirect else 200)
            if redirect:
                self.send_header("Location", rx.redirect_to)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    rx.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield rx
    finally:
        server.shutdown()
        server.server_close()


class Resolving:
    """A resolver: each name's answers in turn (the last one repeated), every call kept."""

    def __init__(self, **answers: list[str] | list[list[str]]) -> None:
        self.answers = {host.replace("_", "."): a if isinstance(a[0], list) else [a]
                        for host, a in answers.items()}
        self.calls: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        answers = self.answers[host]
        return list(answers.pop(0) if len(answers) > 1 else answers[0])  # type: ignore[arg-type]


class Recorded(Exception):
    pass


class RecordingBackend(httpcore.NetworkBackend):
    """Records where a connection would go and what TLS would name, then fails it."""

    def __init__(self) -> None:
        self.connected: list[str] = []
        self.server_names: list[str | None] = []

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None, socket_options: Any = None) -> httpcore.NetworkStream:
        self.connected.append(host)
        backend = self

        class Stream(httpcore.NetworkStream):
            def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                          timeout: float | None = None) -> httpcore.NetworkStream:
                backend.server_names.append(server_hostname)
                raise httpcore.ConnectError("stopped by the test")

            def close(self) -> None:
                pass

        return Stream()


def test_a_name_resolving_to_loopback_is_refused_and_not_called(receiver: Receiver) -> None:
    resolve = Resolving(rp_example=["127.0.0.1"])
    poster = HttpLogoutPoster(5, TargetPolicy(require_https=False), resolver=resolve)
    with pytest.raises(DeliveryRefused, match="rp.example resolves to 127.0.0.1 is loopback") as refused:
        poster.post(receiver.url("/bc", host="rp.example"), "token")
    assert refused.value.permanent and receiver.posts == []


@pytest.mark.parametrize("address", ["10.0.0.7", "169.254.169.254", "::ffff:127.0.0.1", "fd00::1",
                                     "100.64.0.9"])
def test_a_name_resolving_to_any_forbidden_address_is_refused(address: str) -> None:
    backend = RecordingBackend()
    checked = CheckedBackend(STRICT, Resolving(rp_example=[PUBLIC, address]), backend)
    with pytest.raises(Exception, match="refused") as refused:
        checked.connect_tcp("rp.example", 443)
    assert type(refused.value).__name__ == "TargetRefused"
    assert backend.connected == []  # not even the public one: the name is refused as a whole


def test_a_forbidden_ip_literal_is_refused(receiver: Receiver) -> None:
    poster = HttpLogoutPoster(5, TargetPolicy(require_https=False))
    with pytest.raises(DeliveryRefused, match="127.0.0.1 is loopback"):
        poster.post(receiver.url("/bc"), "token")
    assert receiver.posts == []


def test_allowed_loopback_is_called_at_the_checked_address_under_its_name(receiver: Receiver) -> None:
    # rp.example does not resolve to this machine: only the checked address gets there.
    poster = HttpLogoutPoster(5, DEVELOPMENT, resolver=Resolving(rp_example=["127.0.0.1"]))
    poster.post(receiver.url("/bc", host="rp.example"), "token")
    assert receiver.posts == [("/bc", f"rp.example:{receiver.port}")]


def test_tls_names_the_host_while_the_socket_goes_to_the_checked_address() -> None:
    backend = RecordingBackend()
    poster = HttpLogoutPoster(5, STRICT, resolver=Resolving(rp_example=[PUBLIC]), network_backend=backend)
    with pytest.raises(DeliveryFailed) as failed:
        poster.post("https://rp.example/bc", "token")
    assert not isinstance(failed.value, DeliveryRefused) and not failed.value.permanent
    assert backend.connected == [PUBLIC] and backend.server_names == ["rp.example"]


def test_a_rebound_name_is_resolved_again_per_connection_and_refused() -> None:
    backend = RecordingBackend()
    resolve = Resolving(rp_example=[[PUBLIC], ["127.0.0.1"]])
    checked = CheckedBackend(STRICT, resolve, backend)
    stream = checked.connect_tcp("rp.example", 443)
    assert backend.connected == [PUBLIC] and stream is not None
    with pytest.raises(Exception, match="resolves to 127.0.0.1 is loopback"):
        checked.connect_tcp("rp.example", 443)
    assert backend.connected == [PUBLIC] and resolve.calls == ["rp.example", "rp.example"]


def test_a_redirect_is_not_followed(receiver: Receiver) -> None:
    receiver.redirect_to = receiver.url("/elsewhere")
    poster = HttpLogoutPoster(5, DEVELOPMENT)
    with pytest.raises(DeliveryFailed, match="HTTP 307") as failed:
        poster.post(receiver.url("/moved"), "token")
    assert failed.value.permanent and [p for p, _ in receiver.posts] == ["/moved"]


def test_http_is_refused_outside_development_before_any_lookup() -> None:
    resolve = Resolving(rp_example=[PUBLIC])
    poster = HttpLogoutPoster(5, STRICT, resolver=resolve)
    with pytest.raises(DeliveryRefused, match="https only"):
        poster.post("http://rp.example/bc", "token")
    assert resolve.calls == []


def test_proxies_from_the_environment_are_not_used(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://10.9.9.9:3128")
    monkeypatch.setenv("ALL_PROXY", "http://10.9.9.9:3128")
    poster = HttpLogoutPoster(2, DEVELOPMENT)
    poster.post(receiver.url("/bc"), "token")
    assert [p for p, _ in receiver.posts] == ["/bc"]
