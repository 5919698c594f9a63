"""Prometheus metrics: gRPC and HTTP requests by final outcome, route templates only,
domain counters, and the /metrics exposition a scraper reads."""

from __future__ import annotations

import urllib.request

import grpc
import pytest
from authgate_common import metrics
from authgate_common.core import counters, errors
from authgate_common.grpc_server import channel
from authgate_common.http import create_app
from fastapi.testclient import TestClient

SERVICE = "metrics-test"


@pytest.fixture(autouse=True)
def _service_label() -> None:
    metrics.set_service(SERVICE)


def _grpc(method: str, code: str) -> float:
    return metrics.value("grpc_requests_total", {"service": SERVICE, "method": method, "code": code})


def _http(route: str, method: str, status: int) -> float:
    return metrics.value("http_requests_total", {"service": SERVICE, "route": route,
                                                 "method": method, "status": str(status)})


def test_rpcs_are_counted_by_the_code_the_caller_receives(grpc_service) -> None:
    def refuse(_req: bytes, _ctx: grpc.ServicerContext) -> bytes:
        raise errors.InvalidGrant("no")

    def crash(_req: bytes, _ctx: grpc.ServicerContext) -> bytes:
        raise RuntimeError("boom")

    target = grpc_service("t.Metrics", {"Ok": lambda _r, _c: b"ok", "Refuse": refuse, "Crash": crash})
    cases = [("t.Metrics/Ok", "OK"), ("t.Metrics/Refuse", "FAILED_PRECONDITION"),
             ("t.Metrics/Crash", "INTERNAL")]
    before = {c: _grpc(*c) for c in cases}
    timed = metrics.value("grpc_request_duration_seconds_count",
                          {"service": SERVICE, "method": "t.Metrics/Ok"})
    with channel(target) as ch:
        for method, code in cases:
            call = ch.unary_unary(f"/{method}")
            if code == "OK":
                assert call(b"", timeout=5) == b"ok"
            else:
                with pytest.raises(grpc.RpcError) as err:
                    call(b"", timeout=5)
                assert err.value.code().name == code
    assert {c: _grpc(*c) - before[c] for c in cases} == {c: 1 for c in cases}
    assert metrics.value("grpc_request_duration_seconds_count",
                         {"service": SERVICE, "method": "t.Metrics/Ok"}) == timed + 1


def test_unknown_methods_mint_no_series(grpc_service) -> None:
    target = grpc_service("t.Known", {"Ok": lambda _r, _c: b""})
    with channel(target) as ch, pytest.raises(grpc.RpcError) as err:
        ch.unary_unary("/t.Known/Nope")(b"", timeout=5)
    assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert _grpc("t.Known/Nope", "UNIMPLEMENTED") == 0


def _app() -> TestClient:
    app = create_app("t", max_body_bytes=10)

    @app.get("/api/v1/things/{thing_id}")
    def thing(thing_id: str) -> dict:
        if thing_id == "bad":
            raise errors.InvalidRequest()
        if thing_id == "crash":
            raise RuntimeError("secret")
        return {"id": thing_id}

    @app.post("/api/v1/things")
    def create() -> dict:
        return {}

    return TestClient(app, raise_server_exceptions=False)


def test_http_requests_are_counted_by_route_template_and_status() -> None:
    route = "/api/v1/things/{thing_id}"
    cases = [(route, "GET", 200), (route, "GET", 400), (route, "GET", 500),
             ("/api/v1/things", "POST", 413), ("unmatched", "GET", 404), (route, "other", 405)]
    before = {c: _http(*c) for c in cases}
    with _app() as client:
        assert client.get("/api/v1/things/a1").status_code == 200
        assert client.get("/api/v1/things/a2").status_code == 200
        assert client.get("/api/v1/things/bad").status_code == 400
        assert client.get("/api/v1/things/crash").status_code == 500
        assert client.post("/api/v1/things", content=b"x" * 100).status_code == 413
        assert client.get("/no/such/path/" + "x" * 50).status_code == 404
        assert client.request("BREW", "/api/v1/things/a1").status_code == 405
    moved = {c: _http(*c) - before[c] for c in cases}
    assert moved == {cases[0]: 2, **{c: 1 for c in cases[1:]}}
    # The raw path never becomes a label.
    assert _http("/api/v1/things/a1", "GET", 200) == 0


def test_domain_counters() -> None:
    before = (metrics.value("tokens_issued_total", {"grant_type": "refresh_token"}),
              metrics.value("logins_total", {"result": "failure"}),
              metrics.value("revocations_total", {"kind": "session"}),
              metrics.value("refresh_reuse_detected_total"))
    counters.tokens_issued("refresh_token")
    counters.logins("failure")
    counters.revocations("session")
    counters.refresh_reuse_detected()
    after = (metrics.value("tokens_issued_total", {"grant_type": "refresh_token"}),
             metrics.value("logins_total", {"result": "failure"}),
             metrics.value("revocations_total", {"kind": "session"}),
             metrics.value("refresh_reuse_detected_total"))
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1, 1, 1]
    with pytest.raises(ValueError):
        counters.logins("maybe")


def test_the_metrics_port_serves_the_text_format() -> None:
    counters.signing_key_created_at(0)  # the epoch: an age of decades
    server = metrics.start_server(0, "127.0.0.1")
    try:
        url = f"http://127.0.0.1:{server.server_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310 - local test server
            body = resp.read().decode()
            assert resp.headers["content-type"].startswith("text/plain")
    finally:
        server.shutdown()
    for name in ("grpc_requests_total", "grpc_request_duration_seconds", "http_requests_total",
                 "http_request_duration_seconds", "tokens_issued_total", "logins_total",
                 "revocations_total", "refresh_reuse_detected_total"):
        assert f"# TYPE {name} " in body
    assert "_created" not in body  # one series per counter, not two
    assert metrics.value("signing_key_age_seconds") > 1_000_000_000


def test_the_process_and_gc_series_are_on_the_private_registry() -> None:
    # A CollectorRegistry of our own has none of the default registry's collectors.
    assert metrics.value("process_cpu_seconds_total") > 0
    assert metrics.value("process_resident_memory_bytes") > 0
    assert metrics.value("python_gc_collections_total", {"generation": "0"}) >= 0
    names = {s.name for family in metrics.get().registry.collect() for s in family.samples}
    assert {"process_cpu_seconds_total", "process_resident_memory_bytes",
            "python_gc_collections_total", "python_info"} <= names
