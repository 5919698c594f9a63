"""Prometheus metrics of one service process, served on a port of their own.

One registry per process (a service is one process: its gRPC server and HTTP app share
it). Transports record request counts and latency through the interceptor in
grpc_telemetry and the middleware in http_telemetry; the use cases call the domain
counters of core.counters (`tokens_issued`, `logins`, …). Text exposition format:
https://prometheus.io/docs/instrumenting/exposition_formats/.

The registry is built on first use, not at import. Use cases count through
authgate_common.core.counters, whose sink this module installs when imported.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    start_http_server,
)

from .core import counters

# Request latency buckets in seconds: bcrypt logins sit near 0.25 s, most RPCs far below.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class Metrics:
    registry: CollectorRegistry
    grpc_requests: Counter
    grpc_duration: Histogram
    http_requests: Counter
    http_duration: Histogram
    tokens_issued: Counter
    logins: Counter
    revocations: Counter
    refresh_reuse: Counter
    signing_key_age: Gauge


def _build() -> Metrics:
    # No `<name>_created` companion series: they double what every scrape carries.
    disable_created_metrics()
    reg = CollectorRegistry()
    # A private registry starts empty, without the default one's process_* (CPU, resident
    # memory, open fds), python_gc_* and python_info series: add them back.
    ProcessCollector(registry=reg)
    GCCollector(registry=reg)
    PlatformCollector(registry=reg)
    return Metrics(
        registry=reg,
        grpc_requests=Counter("grpc_requests_total", "gRPC requests handled, by final status code.",
                              ["service", "method", "code"], registry=reg),
        grpc_duration=Histogram("grpc_request_duration_seconds", "Latency of unary gRPC requests.",
                                ["service", "method"], buckets=LATENCY_BUCKETS, registry=reg),
        http_requests=Counter("http_requests_total", "HTTP requests handled, by route template.",
                              ["service", "route", "method", "status"], registry=reg),
        http_duration=Histogram("http_request_duration_seconds", "Latency of HTTP requests.",
                                ["service", "route"], buckets=LATENCY_BUCKETS, registry=reg),
        tokens_issued=Counter("tokens_issued_total", "Token responses issued, by grant type.",
                              ["grant_type"], registry=reg),
        logins=Counter("logins_total", "Password logins, by result (success, failure, error).",
                       ["result"], registry=reg),
        revocations=Counter("revocations_total", "Revocations, by kind (session, refresh_token …).",
                            ["kind"], registry=reg),
        refresh_reuse=Counter("refresh_reuse_detected_total",
                              "Rotated refresh tokens presented again (RFC 9700 §4.14.2).",
                              registry=reg),
        signing_key_age=Gauge("signing_key_age_seconds", "Age of the active signing key.",
                              registry=reg),
    )


_service = "unknown"


@functools.cache
def get() -> Metrics:
    """This process's metrics (built once, on first use)."""
    return _build()


def set_service(name: str) -> None:
    """The `service` label of the request metrics (runner.serve sets it)."""
    global _service
    _service = name


def service() -> str:
    return _service


# -- request metrics: what the HTTP and gRPC telemetry (and the fast lane) record ----------

# Each label set's two series, looked up once: resolving `.labels(...)` on every request was
# a visible share of a cheap one (bench/NOTES.md, item 17). Keys come from route templates,
# method names and status codes the server itself chose, so they stay few.
_http_series: dict[tuple[str, str, str, int], tuple[Any, Any]] = {}
_grpc_series: dict[tuple[str, str, str], tuple[Any, Any]] = {}


def record_http(route: str, method: str, status: int, seconds: float) -> None:
    key = (_service, route, method, status)
    series = _http_series.get(key)
    if series is None:
        m = get()
        series = _http_series[key] = (
            m.http_requests.labels(service=_service, route=route, method=method, status=str(status)),
            m.http_duration.labels(service=_service, route=route))
    series[0].inc()
    series[1].observe(seconds)


def record_grpc(method: str, code: str, seconds: float | None) -> None:
    """One finished RPC; `seconds` None for a stream (counted, not timed)."""
    key = (_service, method, code)
    series = _grpc_series.get(key)
    if series is None:
        m = get()
        series = _grpc_series[key] = (m.grpc_requests.labels(service=_service, method=method, code=code),
                                      m.grpc_duration.labels(service=_service, method=method))
    series[0].inc()
    if seconds is not None:
        series[1].observe(seconds)


# -- domain counters: what the use cases call through core.counters -----------------------

class _PrometheusCounters:
    """core.counters' sink in a service process: installed when this module is imported."""

    def tokens_issued(self, grant_type: str) -> None:
        get().tokens_issued.labels(grant_type=grant_type).inc()

    def logins(self, result: str) -> None:
        get().logins.labels(result=result).inc()

    def revocations(self, kind: str) -> None:
        get().revocations.labels(kind=kind).inc()

    def refresh_reuse_detected(self) -> None:
        get().refresh_reuse.inc()

    def signing_key_created_at(self, created_at: float) -> None:
        get().signing_key_age.set_function(lambda: max(0.0, time.time() - created_at))


counters.install(_PrometheusCounters())


# -- reading and serving -------------------------------------------------------------------

def value(name: str, labels: dict[str, str] | None = None) -> float:
    """One sample's current value (0.0 when never recorded): for tests and health checks."""
    sample = get().registry.get_sample_value(name, labels or {})
    return sample or 0.0


def start_server(port: int, host: str = "0.0.0.0") -> Any:
    """Serve /metrics on `port` in a daemon thread; returns the server (call .shutdown())."""
    server, _thread = start_http_server(port, addr=host, registry=get().registry)
    return server
