"""The fast lane answers its form POSTs as the full app stack would: request id, audit
source, body limit, error mapping, no-store, metrics; the form parsed once; quick requests on the event loop,
the others in a worker thread; everything else reaches the wrapped app."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from authgate_common import metrics, request_id
from authgate_common.core.audit import current_source
from authgate_common.core.errors import InvalidClient
from authgate_common.http import create_app
from fastapi.testclient import TestClient
from token_service.domain.clients.authentication import BasicCredentials, ClientRequest
from token_service.entrypoints.fast_lane import FastLane, FormRoute

LIMIT = 1024
SLOW, BACKOFF = 0.05, 0.5
PATH = "/api/v1/oauth/thing"
EMPTY_PATH = "/api/v1/oauth/empty"


class Recorder:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.fail: Exception | None = None

    def handle(self, request: ClientRequest) -> Any:
        if "quick-but-slow" in request.params:
            time.sleep(SLOW * 1.5)
        self.calls.append({"params": request.params, "basic": request.basic,
                           "thread": threading.get_ident(), "request_id": request_id.get(),
                           "source": current_source.get()})
        if self.fail is not None:
            raise self.fail
        return {"ok": True, "got": dict(request.params)}


@pytest.fixture
def lane() -> Iterator[tuple[TestClient, Recorder, dict[str, int]]]:
    rec = Recorder()
    loop_thread: dict[str, int] = {}
    app = create_app("lane test", max_body_bytes=LIMIT)

    @app.get(PATH)
    def get_thing() -> dict[str, str]:
        return {"via": "app"}

    @app.get("/loop-thread")
    async def where() -> dict[str, int]:
        loop_thread["id"] = threading.get_ident()
        return {}

    def quick(request: ClientRequest) -> bool:
        return any(name.startswith("quick") for name in request.params)

    wrapped = FastLane(app, [FormRoute(PATH, rec.handle, is_quick=quick),
                             FormRoute(EMPTY_PATH, lambda _: None)], max_body_bytes=LIMIT,
                       slow_seconds=SLOW, slow_backoff=BACKOFF)
    with TestClient(wrapped, raise_server_exceptions=False) as client:
        client.get("/loop-thread")
        yield client, rec, loop_thread


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_a_hot_post_reaches_its_handler_with_the_request_context(lane) -> None:
    client, rec, _ = lane
    resp = client.post(PATH, content=b"a=1&b=2", headers={
        **FORM, "Authorization": "Basic eDp5", "X-Request-Id": "req-42",
        "X-Envoy-External-Address": "203.0.113.9"})
    assert resp.status_code == 200
    assert resp.json() == {"ok": True, "got": {"a": "1", "b": "2"}}
    assert resp.headers["cache-control"] == "no-store" and resp.headers["pragma"] == "no-cache"
    assert resp.headers["x-request-id"] == "req-42"
    assert resp.headers["content-type"] == "application/json"
    call = rec.calls[-1]
    assert call["params"] == {"a": "1", "b": "2"}  # the form, parsed once here
    assert call["basic"] == BasicCredentials("x", "y")  # "Basic eDp5"
    assert (call["request_id"], call["source"]) == ("req-42", "203.0.113.9")
    assert request_id.get() is None and current_source.get() is None  # reset after the request


def test_an_empty_answer_is_an_empty_200(lane) -> None:
    client, _, _ = lane
    resp = client.post(EMPTY_PATH, content=b"x=1", headers=FORM)
    assert (resp.status_code, resp.content, resp.headers["cache-control"]) == (200, b"", "no-store")


def test_a_malformed_request_id_is_replaced(lane) -> None:
    client, rec, _ = lane
    resp = client.post(PATH, content=b"a=1", headers={**FORM, "X-Request-Id": "bad id\twith spaces"})
    uuid.UUID(resp.headers["x-request-id"])
    assert rec.calls[-1]["request_id"] == resp.headers["x-request-id"]


def test_quick_requests_run_on_the_event_loop_the_others_in_a_worker_thread(lane) -> None:
    client, rec, loop_thread = lane
    client.post(PATH, content=b"quick=1", headers=FORM)
    client.post(PATH, content=b"slow=1", headers=FORM)
    assert rec.calls[-2]["thread"] == loop_thread["id"]
    assert rec.calls[-1]["thread"] != loop_thread["id"]


def test_a_quick_request_that_was_slow_sends_the_next_ones_to_worker_threads(lane) -> None:
    # What a Redis that hangs until its socket timeout looks like from here: the loop is
    # held up once, then every request goes to a worker thread for the back-off.
    client, rec, loop_thread = lane
    assert client.post(PATH, content=b"quick-but-slow=1", headers=FORM).status_code == 200
    assert rec.calls[-1]["thread"] == loop_thread["id"]
    client.post(PATH, content=b"quick=1", headers=FORM)
    assert rec.calls[-1]["thread"] != loop_thread["id"]
    time.sleep(BACKOFF)
    client.post(PATH, content=b"quick=1", headers=FORM)
    assert rec.calls[-1]["thread"] == loop_thread["id"]


@pytest.mark.parametrize("body", [b"quick=1", b"slow=1"])
def test_errors_are_mapped_as_the_app_maps_them(lane, body: bytes) -> None:
    client, rec, _ = lane
    rec.fail = InvalidClient()
    resp = client.post(PATH, content=body, headers=FORM)
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"
    assert resp.headers["www-authenticate"].startswith("Basic")
    assert resp.headers["cache-control"] == "no-store" and "x-request-id" in resp.headers
    rec.fail = redis.ConnectionError("refused")
    resp = client.post(PATH, content=body, headers=FORM)
    assert resp.status_code == 503 and resp.json()["error"] == "temporarily_unavailable"
    assert resp.headers["retry-after"] == "1"
    rec.fail = ValueError("secret internals")
    resp = client.post(PATH, content=body, headers=FORM)
    assert resp.status_code == 500 and resp.json()["error"] == "server_error"
    assert "secret internals" not in resp.text and "Traceback" not in resp.text


def test_bodies_over_the_limit_are_refused_with_or_without_content_length(lane) -> None:
    client, rec, _ = lane
    calls = len(rec.calls)
    resp = client.post(PATH, content=b"a=" + b"x" * LIMIT, headers=FORM)
    assert resp.status_code == 413 and resp.json()["error"] == "invalid_request"

    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        for _ in range(4):
            yield b"x" * (LIMIT // 2)

    resp = client.post(PATH, content=chunks(), headers=FORM)
    assert resp.status_code == 413
    resp = client.post(PATH, content=b"a=1", headers={**FORM, "Content-Length": "nope"})
    assert resp.status_code in (400, 413)
    assert len(rec.calls) == calls  # the handler never saw them


def test_other_methods_and_paths_reach_the_wrapped_app(lane) -> None:
    client, rec, _ = lane
    calls = len(rec.calls)
    assert client.get(PATH).json() == {"via": "app"}
    assert client.put(PATH, content=b"a=1", headers=FORM).status_code == 405
    assert client.post(PATH + "/more", content=b"a=1", headers=FORM).status_code == 404
    assert client.get("/healthz").json() == {"status": "ok"}
    assert len(rec.calls) == calls


def test_requests_are_counted_by_route_and_status(lane) -> None:
    client, rec, _ = lane
    labels = {"service": metrics.service(), "route": PATH, "method": "POST"}
    before_ok = metrics.value("http_requests_total", {**labels, "status": "200"})
    before_401 = metrics.value("http_requests_total", {**labels, "status": "401"})
    client.post(PATH, content=b"quick=1", headers=FORM)
    rec.fail = InvalidClient()
    client.post(PATH, content=b"quick=1", headers=FORM)
    assert metrics.value("http_requests_total", {**labels, "status": "200"}) == before_ok + 1
    assert metrics.value("http_requests_total", {**labels, "status": "401"}) == before_401 + 1
