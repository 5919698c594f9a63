"""`make bench`: authgate and node-oidc-provider side by side on this machine (issue 8).

Starts both, drives them with the same load generators, alternating A B A B per scenario,
and writes bench/results/latest.{json,md,png}. Figures are recorded, never asserted: the
targets are compared in the report and in bench/NOTES.md.

    .venv/bin/python bench/run.py [--seconds 8] [--rounds 2] [--only cc,introspect,...]

`--only mtls` measures the internal mutual TLS alone (mTLS vs plaintext, a few minutes).
A run of a subset writes its own figures only: give it `--out` to keep latest.* as it is,
or `--merge` to measure those scenarios again into latest.* (the rest kept as they are).
A full run first keeps the last one as previous.json: latest.md and the charts show each
target's figure beside the previous run's.
"""

from __future__ import annotations

import argparse
import datetime
import json
import pathlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import growth
import mtls
import scenarios as sc
import verifier as verifier_bench
from authgate_common.testing import REDIS_URL, postgres_database, redis_prefix
from load import grpc_validate
from oidc_provider import PeerSystem
from report import PEER_REDIS, PEER_VIA_ENVOY, write_markdown
from stacks import (
    BENCH,
    ENVOY_ONLY_PATH,
    GRPC_EXT_AUTHZ_PATH,
    JWT_AUTHN_PATH,
    NO_EXT_AUTHZ_PATH,
    PEER_VIA_ENVOY_PREFIX,
    AuthgateSystem,
    versions,
)
from target import Target

ALL = ["cc", "introspect", "code_flow", "refresh", "validate", "ext_authz", "floors", "login", "revocation",
       "verifier", "growth", "mtls"]
# The scenarios that compare authgate with node-oidc-provider: the peer runs only for them.
WITH_PEER = {"cc", "introspect", "code_flow", "refresh"}


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def alternate(name: str, runs: dict[str, Callable[[], dict[str, Any]]], rounds: int,
              warmup: dict[str, Callable[[], Any]] | None = None) -> dict[str, list[dict[str, Any]]]:
    """A B A B: every system once per round, in the same order; a short warm-up first."""
    for label, fn in (warmup or {}).items():
        log(f"{name}: warm-up {label}")
        fn()
    out: dict[str, list[dict[str, Any]]] = {label: [] for label in runs}
    for r in range(rounds):
        for label, fn in runs.items():
            result = fn()
            out[label].append(result)
            log(f"{name} round {r + 1} {label}: " + ", ".join(
                f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items()
                if k in ("rps", "p50_ms", "p99_ms", "cpu_ms_per_req", "errors", "first_error",
                         "machine_cores_busy", "median_ms", "worst_ms")))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=8, help="duration of one run")
    ap.add_argument("--rounds", type=int, default=2, help="A B rounds per scenario (≥ 2)")
    ap.add_argument("--connections", type=int, default=16, help="wrk connections (fixed)")
    ap.add_argument("--flow-workers", type=int, default=4, help="threads for multi-request flows")
    ap.add_argument("--token-replicas", type=int, default=2)
    ap.add_argument("--revocations", type=int, default=100)
    ap.add_argument("--only", default=",".join(ALL), help="comma-separated subset of " + ",".join(ALL))
    ap.add_argument("--out", default=str(BENCH / "results"))
    ap.add_argument("--merge", action="store_true",
                    help="keep latest.json's other scenarios; replace only those measured now")
    args = ap.parse_args()
    wanted = [s.strip() for s in args.only.split(",") if s.strip()]
    secs, conns = args.seconds, args.connections
    started = time.time()

    results: dict[str, Any] = {
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": sc.machine(), "versions": versions(),
        "config": {"seconds_per_run": secs, "rounds": args.rounds, "wrk_connections": conns,
                   "wrk_threads": 2, "flow_workers": args.flow_workers,
                   "token_replicas": args.token_replicas, "authgate_storage": "PostgreSQL + Redis",
                   "peer_storage": "oidc-provider in-memory adapter (its default), one Node process; "
                                   "and with its Redis adapter (the Redis authgate uses, its own prefix)"},
        "scenarios": {}, "skipped": {},
        "loadavg_start": pathlib.Path("/proc/loadavg").read_text().split()[:3]}
    log(f"machine {results['machine']}; versions {results['versions']}")
    log("in-process bounds: bcrypt cost 12 verify, RS256 signatures per core")
    bcrypt_s = sc.bcrypt_verify_seconds()
    rs256 = sc.rs256_signatures_per_core()
    results["bounds"] = {"bcrypt12_verify_ms": bcrypt_s * 1000,
                         "login_bound_per_s": (results["machine"]["nproc"] or 1) / bcrypt_s,
                         "rs256_signs_per_core_s": rs256,
                         "es256_signs_per_core_s": sc.es256_signatures_per_core()}

    work = pathlib.Path(tempfile.mkdtemp(prefix="authgate-bench-"))
    log(f"workdir {work}")
    with postgres_database("bench") as db_url, redis_prefix("bench") as prefix, \
            redis_prefix("bench-peer") as peer_prefix:
        peer = PeerSystem(work) if WITH_PEER & set(wanted) else None
        durable = PeerSystem(work, REDIS_URL, peer_prefix) if peer else None
        ag = AuthgateSystem(work / "stack", db_url, REDIS_URL, prefix, args.token_replicas,
                            peer_port=peer.port if peer else None)
        log("starting authgate (PostgreSQL + Redis)" + (" and node-oidc-provider" if peer else ""))
        ag.start()
        try:
            a, fixtures = ag.setup()
            b = via = d = None
            if peer and durable:
                peer.start()
                b, _ = peer.setup()
                durable.start()
                d, _ = durable.setup()
                # The peer behind the same Envoy, for the single-request scenarios: the share
                # of the gap that is the gateway the spec puts in front of authgate.
                via = replace(b, name=PEER_VIA_ENVOY, pids=[*b.pids, ag.stack.procs["envoy"].pid],
                              base=ag.stack.base_url + PEER_VIA_ENVOY_PREFIX.rstrip("/"))
            try:
                run_all(results, wanted, args, ag, a, b, via, fixtures, d)
            except Exception as exc:  # noqa: BLE001 - keep what was measured before the failure
                log(f"scenario failed: {exc!r}")
                results["skipped"]["failed"] = repr(exc)[:500]
        finally:
            for p in (peer, durable):
                if p:
                    p.stop()
            ag.stop()
    results["wall_seconds"] = round(time.time() - started, 1)
    results["loadavg_end"] = pathlib.Path("/proc/loadavg").read_text().split()[:3]
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    latest, previous = out / "latest.json", out / "previous.json"
    if args.merge and latest.exists():
        results = merged(json.loads(latest.read_text()), results)
    elif latest.exists() and set(wanted) == set(ALL):
        latest.replace(previous)  # the run this one is read beside
    latest.write_text(json.dumps(results, indent=2) + "\n")
    earlier = json.loads(previous.read_text()) if previous.exists() else None
    write_markdown(results, out / "latest.md", earlier)
    chart_py = BENCH / ".venv" / "bin" / "python"
    if chart_py.exists():
        subprocess.run([str(chart_py), str(BENCH / "chart.py"), str(latest), str(out / "latest.png"),
                        *([str(previous)] if earlier else [])], check=False)
    else:
        log("no bench/.venv with matplotlib: chart skipped (make bench creates it)")
    log(f"done in {results['wall_seconds']} s: {out / 'latest.md'}")
    return 0


def merged(kept: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """`kept` with the scenarios `new` measured replaced, and a record of when."""
    out = dict(kept)
    out["scenarios"] = {**kept.get("scenarios", {}), **new["scenarios"]}
    # A failure recorded by the earlier run is what this one measures again.
    out["skipped"] = {**{k: v for k, v in kept.get("skipped", {}).items()
                         if k != "failed" and k not in new["scenarios"]}, **new.get("skipped", {})}
    out["remeasured"] = [*kept.get("remeasured", []), {
        "scenarios": sorted(new["scenarios"]), "started": new["started"],
        "versions": new["versions"], "loadavg_start": new["loadavg_start"],
        "loadavg_end": new.get("loadavg_end")}]
    return out


def run_all(results: dict[str, Any], wanted: list[str], args: argparse.Namespace,
            ag: AuthgateSystem, a: Target, b: Target | None, via: Target | None,
            fx: dict[str, Any], durable: Target | None = None) -> None:
    secs, conns, rounds, workers = args.seconds, args.connections, args.rounds, args.flow_workers
    res, skipped = results["scenarios"], results["skipped"]
    # b and via are None when no wanted scenario compares with the peer (WITH_PEER).
    pair: dict[str, Target] = {"authgate": a, "oidc-provider": b} if b else {}
    if durable:  # the durable peer (Redis adapter) beside the in-memory one in scenarios 1-4
        pair[PEER_REDIS] = durable
    trio: dict[str, Target] = {**pair, PEER_VIA_ENVOY: via} if via else {}
    stack = ag.stack
    validator = stack.pki_dir / "validator"  # the certificate ValidateToken's callers hold

    def both(fn: Callable[..., dict[str, Any]], *extra: Any,
             systems: dict[str, Target] = pair) -> dict[str, Callable[[], dict[str, Any]]]:
        return {label: (lambda t=t: fn(t, secs, *extra)) for label, t in systems.items()}

    def warm(fn: Callable[..., dict[str, Any]], *extra: Any,
             systems: dict[str, Target] = pair) -> dict[str, Callable[[], Any]]:
        return {label: (lambda t=t: fn(t, 2, *extra)) for label, t in systems.items()}

    if "cc" in wanted:
        res["cc"] = alternate("client_credentials", both(sc.client_credentials, conns, systems=trio), rounds,
                              warm(sc.client_credentials, conns, systems=trio))
    if "introspect" in wanted:
        res["introspect"] = alternate("introspection", both(sc.introspection, conns, systems=trio), rounds,
                                      warm(sc.introspection, conns, systems=trio))
    if "code_flow" in wanted:
        res["code_flow"] = alternate("code flow", both(sc.code_flow, workers), rounds,
                                     warm(sc.code_flow, workers))
    if "refresh" in wanted:
        res["refresh"] = alternate("refresh", both(sc.refresh, workers), rounds, warm(sc.refresh, workers))
    if "validate" in wanted:
        target = stack.grpc_target("token", 0)
        token_pids = [stack.procs["token"].pid]
        res["validate"] = alternate("ValidateToken", {"authgate": lambda: grpc_validate(
            target, fx["access_token"], tls=validator, in_flight=16, processes=2, seconds=secs,
            pids=token_pids)}, rounds)
    if "ext_authz" in wanted and stack.with_example:
        # The same Envoy, route shape and upstream with and without ext_authz: the difference
        # is what ext_authz adds. At one connection (nothing queues: the latency a request
        # pays) and at the fixed concurrency (the cost under load, CPU shared with the check).
        # The gateway's mode (gateway.yaml ext_authz.mode, HTTP), the gRPC Check it replaced
        # and jwt_authn in front of the HTTP check (bench/NOTES.md item 32) on the same Envoy.
        via = f"{stack.base_url}/api/v1/example/items"
        plain = f"{stack.base_url}{NO_EXT_AUTHZ_PATH}"
        bearer = {"Authorization": f"Bearer {fx['access_token']}"}
        runs, warmups = {}, {}
        variants = (("envoy+ext_authz http", via, bearer),
                    ("envoy+ext_authz grpc (before)", f"{stack.base_url}{GRPC_EXT_AUTHZ_PATH}", bearer),
                    ("envoy+jwt_authn+ext_authz http", f"{stack.base_url}{JWT_AUTHN_PATH}", bearer),
                    ("envoy, no ext_authz", plain, {}))
        for c in (1, conns):
            for label, url, headers in variants:
                key = f"{label}, {c} conn"
                runs[key] = lambda u=url, h=headers, c=c: sc.example_api(u, h, secs, c, a.pids)
                warmups[key] = lambda u=url, h=headers, c=c: sc.example_api(u, h, 2, c, a.pids)
        res["ext_authz"] = alternate("ext_authz", runs, rounds, warmups)
    elif "ext_authz" in wanted:
        skipped["ext_authz"] = "the example API (examples/resource_api) is not installed in .venv"
    if "floors" in wanted:
        # What no authgate code runs in, measured like the scenarios: Envoy answering by itself
        # (every public filter, no upstream), and the token process's gRPC server answering its
        # health check. Every path through the gateway pays the first, ValidateToken and
        # ext_authz the second; the targets are read against them (bench/NOTES.md).
        envoy_pid = [stack.procs["envoy"].pid]
        token_pids = [stack.procs["token"].pid]
        target = stack.grpc_target("token", 0)
        res["floors"] = alternate("floors", {
            "envoy alone (direct response)": lambda: sc.example_api(
                f"{stack.base_url}{ENVOY_ONLY_PATH}", {}, secs, conns, envoy_pid),
            "gRPC health check (token process)": lambda: grpc_validate(
                target, None, tls=validator, in_flight=16, processes=2, seconds=secs, pids=token_pids)},
            rounds)
    if "login" in wanted:
        res["login"] = alternate("password login", {"authgate": lambda: sc.login(
            a, fx["user"], secs, workers)}, rounds)
    if "revocation" in wanted:
        replicas = len(stack.ports.grpc["token"])
        # The bench makes each session as the identity service does after a password check
        # (bcrypt 12 per login would dominate), so it presents the identity certificate: the
        # only workload CreateSession admits.
        with stack.channel("session", workload="identity") as sessions, \
                stack.channel("token", workload="validator", replica=replicas - 1) as validating:
            res["revocation"] = alternate("revocation propagation", {
                "authgate": lambda: sc.revocation_propagation(
                    a, sessions, validating, fx["user_id"], args.revocations)}, 1)
        results["config"]["revocation_poll_replica"] = f"token[{replicas - 1}] of {replicas}"
    if "verifier" in wanted:
        # authgate-verifier (libs/verifier): validations per core in this process (no stack
        # needed), then revocations through the stack refused by a verifier fed over mTLS.
        log("verifier: throughput (one token repeated; distinct tokens)")
        speed = verifier_bench.throughput(max(2.0, secs / 4), rounds)
        log(f"verifier: {speed['repeated']['per_core_per_s']}/s repeated, "
            f"{speed['distinct']['per_core_per_s']}/s distinct per core; revocation latency")
        latency = verifier_bench.latency_on(stack, a, fx, args.revocations // 2, 20)
        log(f"verifier: revoked jti refused p99 {latency['jti']['from_call_start_ms']['p99']} ms, "
            f"session {latency['session']['from_call_start_ms']['p99']} ms")
        res["verifier"] = {"throughput": speed, "latency": latency}
    if "growth" in wanted:
        def validate() -> dict[str, Any]:
            return grpc_validate(stack.grpc_target("token", 0), fx["access_token"], tls=validator,
                                 in_flight=16, processes=2, seconds=secs, pids=[stack.procs["token"].pid])

        def with_pids(fn: Callable[..., dict[str, Any]], *extra: Any) -> Callable[[], dict[str, Any]]:
            def measure() -> dict[str, Any]:
                a.pids = ag.pids()  # the token replicas were restarted
                return fn(a, secs, *extra)
            return measure

        res["growth"] = growth.run(ag.db_url, stack, fx["access_token"], {
            "validate": validate, "cc": with_pids(sc.client_credentials, conns),
            "refresh": with_pids(sc.refresh, workers)}, rounds, log)
    if "mtls" in wanted:
        # Last: it restarts every process (twice a round) and leaves them in mutual TLS.
        res["mtls"] = mtls.run(ag, a, secs, workers, rounds, log)

if __name__ == "__main__":
    sys.exit(main())
