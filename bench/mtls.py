"""Scenario 10, the cost of the internal mutual TLS (issue 14): one stack measured as
shipped (every gRPC listener and channel mutual TLS, every call checked against its
method's allow-list) and with GRPC_INSECURE_PLAINTEXT (plaintext, no caller check;
refused outside ENVIRONMENT=development, and there for this measure).

Switching mode restarts every process on the same database, Redis and certificates, so
the modes alternate A B, B A (one restart per round) and each visit starts with a short
warm-up. In each mode:

- ValidateToken over gRPC straight to one token replica, 16 calls in flight from two
  processes, each holding one channel (the `validator` certificate, or plaintext): CPU of
  that token process per call.
- The code flow with a session through Envoy (authorize, then the code at /token), as
  scenario 3: its gRPC hops (authorization→session, token→authorization) are internal.
  CPU of every authgate process per flow.
- With the example API installed: one request at a time to it through Envoy with
  ext_authz, whose Check crosses Envoy → token over gRPC: the latency that hop adds.

Each measure also counts the gRPC calls the services served per request (their Prometheus
counters, health checks left out): the hops that pay for the mutual TLS.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import scenarios as sc
from authgate_devstack.gateway import SERVICES
from load import grpc_validate
from stacks import AuthgateSystem, BenchStack
from target import Target

MODES = ("mTLS", "plaintext")


def grpc_calls(stack: BenchStack) -> float:
    """gRPC calls every replica has served so far, health checks left out."""
    total = 0.0
    for svc in SERVICES:
        for replica in range(len(stack.ports.grpc[svc])):
            text = httpx.get(stack.metrics_url(svc, replica), timeout=5).text
            total += sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                         if line.startswith("grpc_requests_total{") and "grpc.health" not in line)
    return total


def _visit(ag: AuthgateSystem, t: Target, mode: str, seconds: float,
           workers: int) -> dict[str, dict[str, Any]]:
    stack = ag.stack
    t.pids = ag.pids()
    with t.browser() as browser:
        token = t.code_flow(browser, t.flow_client, t.flow_scope)["access_token"]
    tls = stack.pki_dir / "validator" if mode == "mTLS" else None

    def validate(secs: float) -> dict[str, Any]:
        return grpc_validate(stack.grpc_target("token"), token, tls=tls, in_flight=16, processes=2,
                             seconds=secs, pids=[stack.procs["token"].pid])

    measures = {"ValidateToken": validate, "code flow": lambda secs: sc.code_flow(t, secs, workers)}
    if stack.with_example:
        url, bearer = f"{stack.base_url}/api/v1/example/items", {"Authorization": f"Bearer {token}"}
        measures["ext_authz, 1 conn"] = lambda secs: sc.example_api(url, bearer, secs, 1, t.pids)
    for fn in measures.values():
        fn(2)  # warm-up: fresh processes
    figures = {}
    for measure, fn in measures.items():
        before = grpc_calls(stack)
        figures[measure] = fn(seconds)
        served = grpc_calls(stack) - before
        figures[measure]["grpc_calls_per_req"] = served / max(figures[measure]["requests"], 1)
    return figures


def run(ag: AuthgateSystem, t: Target, seconds: float, workers: int, rounds: int,
        log: Callable[[str], None]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """{measure: {mode: [one figure set per round]}}; the stack is left in mutual TLS."""
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    current = MODES[0]  # the stack starts as shipped
    try:
        for r in range(rounds):
            for mode in MODES if r % 2 == 0 else MODES[::-1]:
                if mode != current:
                    took = ag.restart(internal_tls=mode == "mTLS")
                    current = mode
                    log(f"mtls: every process restarted in {mode} ({took:.1f} s)")
                for measure, figures in _visit(ag, t, mode, seconds, workers).items():
                    out.setdefault(measure, {m: [] for m in MODES})[mode].append(figures)
                    log(f"mtls round {r + 1} {measure} {mode}: " + ", ".join(
                        f"{k}={figures[k]:.2f}" for k in ("rps", "p50_ms", "p99_ms", "cpu_ms_per_req",
                                                          "grpc_calls_per_req") if k in figures)
                        + f", errors={figures.get('errors', 0)}")
    finally:
        if current != "mTLS":
            log(f"mtls: every process restarted in mTLS again ({ag.restart(internal_tls=True):.1f} s)")
            t.pids = ag.pids()
    return out
