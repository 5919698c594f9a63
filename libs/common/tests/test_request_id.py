"""x-request-id across hops: the id Envoy set reaches every service a request touches,
and every log line written on its behalf carries it."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterator

import grpc
import pytest
from authgate_common import request_id
from authgate_common.grpc_server import channel
from authgate_common.http import create_app
from authgate_common.logs import configure_logging
from fastapi.testclient import TestClient

log = logging.getLogger("authgate.test.hops")


@pytest.fixture
def two_hops(grpc_service) -> Iterator[tuple[str, dict[str, str | None]]]:
    """Service A answers by calling service B; both note the id they saw."""
    seen: dict[str, str | None] = {}

    def b(_req: bytes, _ctx: grpc.ServicerContext) -> bytes:
        seen["b"] = request_id.get()
        log.warning("second hop")
        return b""

    to_b = channel(grpc_service("t.B", {"Call": b}))

    def a(_req: bytes, _ctx: grpc.ServicerContext) -> bytes:
        seen["a"] = request_id.get()
        to_b.unary_unary("/t.B/Call")(b"", timeout=5)
        return b""

    yield grpc_service("t.A", {"Call": a}), seen
    to_b.close()


def test_an_id_sent_to_the_first_hop_reaches_the_second(two_hops) -> None:
    target, seen = two_hops
    with channel(target) as ch:
        ch.unary_unary("/t.A/Call")(b"", metadata=[("x-request-id", "req-123")], timeout=5)
    assert seen == {"a": "req-123", "b": "req-123"}
    assert request_id.get() is None  # nothing leaks into the caller's context


def test_a_call_without_an_id_gets_one_that_still_crosses_hops(two_hops) -> None:
    target, seen = two_hops
    with channel(target) as ch:
        ch.unary_unary("/t.A/Call")(b"", timeout=5)
    assert seen["a"] == seen["b"] and uuid.UUID(str(seen["a"]))


def _gateway_app(target: str) -> TestClient:
    to_a = channel(target)
    app = create_app("t")

    @app.get("/api/v1/start")
    def start() -> dict[str, str | None]:
        to_a.unary_unary("/t.A/Call")(b"", timeout=5)
        return {"http": request_id.get()}

    return TestClient(app)


def test_the_gateway_id_crosses_http_and_two_grpc_hops(two_hops) -> None:
    target, seen = two_hops
    with _gateway_app(target) as client:
        resp = client.get("/api/v1/start", headers={"x-request-id": "envoy-7f3a"})
    assert resp.status_code == 200
    assert resp.json() == {"http": "envoy-7f3a"} and seen == {"a": "envoy-7f3a", "b": "envoy-7f3a"}
    assert resp.headers["x-request-id"] == "envoy-7f3a"  # echoed, so a client can quote it


@pytest.mark.parametrize("sent", [None, "x" * 200, "two words", "<script>"])
def test_a_missing_or_unsafe_id_is_replaced(two_hops, sent: str | None) -> None:
    target, seen = two_hops
    headers = {} if sent is None else {"x-request-id": sent}
    with _gateway_app(target) as client:
        resp = client.get("/api/v1/start", headers=headers)
    rid = resp.headers["x-request-id"]
    assert uuid.UUID(rid) and rid != sent
    assert resp.json()["http"] == seen["a"] == seen["b"] == rid


@pytest.fixture
def json_logs(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[[], Callable[[], list[dict]]]]:
    """configure_logging as a service runs it (LOG_JSON=true); returns a reader of its lines."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)

    def lines() -> list[dict]:
        return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]

    def start() -> Callable[[], list[dict]]:
        # Called inside the test, where stdout is capsys's (the handler binds sys.stdout).
        configure_logging("identity", "INFO", json_lines=True)
        return lines

    yield start
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def test_json_log_lines_carry_the_request_id(two_hops, json_logs) -> None:
    target, _seen = two_hops
    read = json_logs()
    with channel(target) as ch:
        ch.unary_unary("/t.A/Call")(b"", metadata=[("x-request-id", "req-log-1")], timeout=5)
    log.warning("outside any request")
    lines = [e for e in read() if e["logger"] == log.name]
    assert [(e["msg"], e.get("request_id"), e["service"]) for e in lines] == [
        ("second hop", "req-log-1", "identity"), ("outside any request", None, "identity")]
