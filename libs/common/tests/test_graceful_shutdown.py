"""SIGTERM drains: requests in flight on HTTP and gRPC finish with success, then the
process closes its resources and exits 0 (what a rolling update relies on)."""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import grpc
import httpx
import pytest
from authgate_devstack.ports import free_ports
from grpc_health.v1 import health_pb2, health_pb2_grpc

SCRIPT = pathlib.Path(__file__).with_name("slow_service.py")


def _serving(grpc_port: int, http_port: int | None) -> bool:
    try:
        with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as ch:
            status = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=1)
        if http_port is not None:
            httpx.get(f"http://127.0.0.1:{http_port}/healthz", timeout=1).raise_for_status()
        return status.status == health_pb2.HealthCheckResponse.SERVING
    except (grpc.RpcError, httpx.HTTPError):
        return False


def _start(with_http: bool) -> tuple[subprocess.Popen[str], int, int | None]:
    grpc_port, http, metrics_port = free_ports(3)
    http_port = http if with_http else None
    proc = subprocess.Popen(
        [sys.executable, str(SCRIPT), str(http_port or "none"), str(grpc_port), str(metrics_port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + 30
    while not _serving(grpc_port, http_port):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"slow service did not start:\n{proc.communicate()[0]}")
        time.sleep(0.1)
    # runner.serve also started the metrics port, labelled with the service's name.
    scraped = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
    assert 'method="grpc.health.v1.Health/Check",service="slow"' in scraped
    return proc, grpc_port, http_port


def _in_background(fn: Any) -> tuple[threading.Thread, dict[str, Any]]:
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = fn()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            result["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


@pytest.mark.parametrize("with_http", [True, False], ids=["grpc+http", "grpc-only"])
def test_sigterm_lets_requests_in_flight_finish_then_exits_0(with_http: bool) -> None:
    proc, grpc_port, http_port = _start(with_http)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as ch:
            calls = [_in_background(lambda: ch.unary_unary("/t.Slow/Sleep")(b"", timeout=10))]
            if http_port is not None:
                calls.append(_in_background(
                    lambda: httpx.get(f"http://127.0.0.1:{http_port}/slow", timeout=10)))
            time.sleep(0.4)  # both are now inside their 1 s handlers
            proc.send_signal(signal.SIGTERM)
            for thread, _ in calls:
                thread.join(15)
        output = proc.communicate(timeout=15)[0]
    finally:
        if proc.poll() is None:
            proc.kill()
    grpc_result = calls[0][1]
    assert grpc_result.get("value") == b"done", grpc_result
    if http_port is not None:
        http_result = calls[1][1]
        assert "value" in http_result, http_result
        assert http_result["value"].status_code == 200 and http_result["value"].json() == {"done": True}
    assert proc.returncode == 0, output
    assert "resources closed" in output


def test_after_sigterm_new_work_is_refused() -> None:
    proc, grpc_port, http_port = _start(with_http=True)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as ch:
            busy, _ = _in_background(lambda: ch.unary_unary("/t.Slow/Sleep")(b"", timeout=10))
            time.sleep(0.4)
            proc.send_signal(signal.SIGTERM)
            time.sleep(0.3)  # draining: the in-flight call keeps the process alive ~0.3 s more
            with pytest.raises(httpx.ConnectError):
                httpx.get(f"http://127.0.0.1:{http_port}/healthz", timeout=2)
            with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as fresh, \
                    pytest.raises(grpc.RpcError) as err:
                fresh.unary_unary("/t.Slow/Sleep")(b"", timeout=2)
            assert err.value.code() == grpc.StatusCode.UNAVAILABLE
            busy.join(15)
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_long_lived_streams_are_ended_when_the_drain_begins() -> None:
    """on_drain ends open streams at once: their clients move to another replica, and
    the process does not sit out the 10 s grace period for them."""
    proc, grpc_port, _ = _start(with_http=False)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as ch:
            stream = ch.unary_stream("/t.Slow/Watch")(b"", timeout=30)
            assert next(stream) == b"subscribed"
            started = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            assert list(stream) == [b"bye"]  # ended cleanly, not cut off
        assert proc.wait(15) == 0
        assert time.monotonic() - started < 5
    finally:
        if proc.poll() is None:
            proc.kill()
