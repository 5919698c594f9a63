"""Each service exposes Prometheus metrics on a port of its own (never through the
gateway): after a sign-in, request counters of the routes and RPCs it served moved, and
identity counted the successful login."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import httpx
import pytest
from authgate_devstack.stack import Stack
from flowkit import Flow
from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _scrape(stack: Stack, service: str) -> Samples:
    """Every replica's samples, summed (the gateway may have sent the sign-in to any)."""
    samples: Samples = {}
    for replica in range(len(stack.ports.http[service])):
        resp = httpx.get(stack.metrics_url(service, replica), timeout=10)
        assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/plain")
        for family in text_string_to_metric_families(resp.text):
            for s in family.samples:
                key = (s.name, frozenset(s.labels.items()))
                samples[key] = samples.get(key, 0.0) + s.value
    return samples


def _total(samples: Samples, name: str, match: Callable[[dict[str, str]], bool]) -> float:
    return sum(v for (n, labels), v in samples.items() if n == name and match(dict(labels)))


def _http(route: str, method: str, status: str) -> Callable[[dict[str, str]], bool]:
    return lambda lb: (lb["route"], lb["method"], lb["status"]) == (route, method, status)


def _rpcs_of(service: str) -> Callable[[dict[str, str]], bool]:
    prefix = f"authgate.{service}.v1."
    return lambda lb: lb["method"].startswith(prefix) and lb["code"] == "OK"


# What one sign-in (CLI set-up, login, authorize, code exchange) must move on each service.
EXPECTED: dict[str, list[tuple[str, Callable[[dict[str, str]], bool]]]] = {
    "identity": [("http_requests_total", _http("/api/v1/sso/login", "POST", "200")),
                 ("grpc_requests_total", _rpcs_of("identity")),  # the CLI created the user
                 ("logins_total", lambda lb: lb["result"] == "success")],
    "session": [("grpc_requests_total", _rpcs_of("session"))],  # identity started a session
    "authorization": [("http_requests_total", _http("/api/v1/oauth/authorize", "GET", "302")),
                      ("grpc_requests_total", _rpcs_of("authorization"))],
    "token": [("http_requests_total", _http("/api/v1/oauth/token", "POST", "200")),
              ("tokens_issued_total", lambda lb: lb["grant_type"] == "authorization_code")],
}


def _wired(service: str) -> bool:
    settings = importlib.import_module(f"{service}_service.settings").Settings
    return f"{service.upper()}_METRICS_PORT" in settings.model_fields


@pytest.mark.e2e
@pytest.mark.parametrize("service", list(EXPECTED))
def test_a_sign_in_moves_each_services_counters(stack: Stack, flow: Flow, service: str) -> None:
    if not _wired(service):
        pytest.skip(f"{service} does not pass {service.upper()}_METRICS_PORT to runner.serve yet")
    before = _scrape(stack, service)
    flow.tokens()
    after = _scrape(stack, service)
    moved = {name: _total(after, name, match) - _total(before, name, match)
             for name, match in EXPECTED[service]}
    assert all(delta >= 1 for delta in moved.values()), moved
    # One process, one service label.
    assert {dict(lb)["service"] for (n, lb) in after if n == "grpc_requests_total"} == {service}


@pytest.mark.e2e
@pytest.mark.parametrize("service", list(EXPECTED))
def test_each_service_reports_its_process_and_gc(stack: Stack, service: str) -> None:
    if not _wired(service):
        pytest.skip(f"{service} does not pass {service.upper()}_METRICS_PORT to runner.serve yet")
    names = {name for name, _labels in _scrape(stack, service)}
    assert {"process_cpu_seconds_total", "process_resident_memory_bytes",
            "python_gc_collections_total"} <= names


@pytest.mark.e2e
def test_metrics_are_not_reachable_through_the_gateway(stack: Stack) -> None:
    assert httpx.get(f"{stack.base_url}/metrics", timeout=10).status_code == 404


@pytest.mark.e2e
def test_the_gateway_request_id_comes_back_to_the_client(stack: Stack) -> None:
    resp = httpx.get(f"{stack.base_url}/.well-known/openid-configuration", timeout=10)
    assert resp.status_code == 200 and len(resp.headers["x-request-id"]) >= 32


@pytest.mark.e2e
def test_the_token_service_reports_its_signing_key_age(stack: Stack) -> None:
    samples = _scrape(stack, "token")
    replicas = len(stack.ports.http["token"])
    age = _total(samples, "signing_key_age_seconds", lambda lb: True)
    assert 0 <= age < replicas * 366 * 86400  # summed over replicas; set, and sane


@pytest.mark.e2e
def test_refresh_reuse_and_revocations_are_counted(stack: Stack, flow: Flow) -> None:
    client = flow.client("--grant-type", "refresh_token")
    auth = (client.client_id, client.client_secret)
    before = _scrape(stack, "token")
    first = flow.tokens(client=client)

    def refresh(token: str) -> httpx.Response:
        return httpx.post(f"{flow.base}/api/v1/oauth/token", auth=auth, timeout=30,
                          data={"grant_type": "refresh_token", "refresh_token": token})

    second = refresh(first["refresh_token"])
    assert second.status_code == 200
    assert refresh(first["refresh_token"]).status_code == 400  # reused: the family ends
    third = flow.tokens(client=client)
    revoked = httpx.post(f"{flow.base}/api/v1/oauth/revoke", auth=auth, timeout=30,
                         data={"token": third["refresh_token"]})
    assert revoked.status_code == 200
    after = _scrape(stack, "token")

    def moved(name: str, match: Callable[[dict[str, str]], bool] = lambda lb: True) -> float:
        return _total(after, name, match) - _total(before, name, match)

    assert moved("refresh_reuse_detected_total") == 1
    assert moved("tokens_issued_total", lambda lb: lb["grant_type"] == "refresh_token") == 1
    assert moved("tokens_issued_total", lambda lb: lb["grant_type"] == "authorization_code") == 2
    assert moved("revocations_total", lambda lb: lb["kind"] == "refresh_token") == 1
