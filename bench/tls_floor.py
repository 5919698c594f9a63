"""What mutual TLS and the allow-list cost a gRPC server with no work behind them
(bench/NOTES.md, the internal mTLS item): one process serving grpc.health.v1 behind the
services' wrappers (telemetry, errors), plaintext, over mutual TLS, and over mutual TLS
with authgate's AccessCheck (as shipped), alternated A B C per round. Loaded: 16 calls in flight
from two processes on one channel each, as bench/run.py drives ValidateToken, and the
server's CPU per call. One at a time: calls on one channel, then new channels (connect,
handshake, one call), each with its wall time and the client's and server's CPU.

    .venv/bin/python bench/tls_floor.py [--seconds 5] [--rounds 2]
"""

from __future__ import annotations

import argparse
import multiprocessing
import pathlib
import statistics
import sys
import tempfile
import time
from typing import Any

import grpc
from authgate_common.pki import ensure_dev_pki
from authgate_devstack.ports import free_port
from load import cpu_seconds, grpc_channel, grpc_validate

MODES = ("plaintext", "mTLS", "mTLS + allow-list")


def serve(mode: str, port: int, pki: pathlib.Path, stop: Any) -> None:
    """authgate_common.grpc_server.create_server's server, by hand so that mutual TLS can
    be had without the allow-list: the same wrappers around the same health servicer."""
    from concurrent import futures

    from authgate_common.grpc_access import INTERNAL, AccessCheck, InternalTls
    from authgate_common.grpc_server import Registrar, wrapping
    from grpc_health.v1 import health, health_pb2_grpc

    # Health checks are open to any workload of the trust domain; the check still reads
    # the caller's certificate from the call, as for every method.
    access = AccessCheck({}, INTERNAL) if mode == "mTLS + allow-list" else None
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16), options=[("grpc.so_reuseport", 0)])
    health_pb2_grpc.add_HealthServicer_to_server(health.HealthServicer(), Registrar(server, wrapping(access)))
    if mode == "plaintext":
        server.add_insecure_port(f"127.0.0.1:{port}")
    else:
        credentials = InternalTls.in_dir(str(pki / "token")).server_credentials()
        server.add_secure_port(f"127.0.0.1:{port}", credentials)
    server.start()
    stop.wait()
    server.stop(0)


def one_at_a_time(target: str, tls: pathlib.Path | None, pid: int, *, calls: int = 2000,
                  channels: int = 200) -> dict[str, float]:
    """Calls one after another on one channel, then new channels one after another (each
    connecting, handshaking and making one call): wall time, this process's CPU (the
    client's) and the server's, per call and per new channel."""
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    request, out = health_pb2.HealthCheckRequest(), {}
    with grpc_channel(target, tls) as channel:
        check = health_pb2_grpc.HealthStub(channel).Check
        check(request, timeout=5)
        server, client, t0 = cpu_seconds([pid]), time.process_time(), time.perf_counter()
        for _ in range(calls):
            check(request, timeout=5)
        out["call_ms"] = 1000 * (time.perf_counter() - t0) / calls
        out["call_client_cpu_ms"] = 1000 * (time.process_time() - client) / calls
        out["call_server_cpu_ms"] = 1000 * (cpu_seconds([pid]) - server) / calls
    server, client, t0 = cpu_seconds([pid]), time.process_time(), time.perf_counter()
    for _ in range(channels):
        with grpc_channel(target, tls) as channel:
            health_pb2_grpc.HealthStub(channel).Check(request, timeout=5)
    out["new_channel_ms"] = 1000 * (time.perf_counter() - t0) / channels
    out["new_channel_client_cpu_ms"] = 1000 * (time.process_time() - client) / channels
    out["new_channel_server_cpu_ms"] = 1000 * (cpu_seconds([pid]) - server) / channels
    return out


def measure(mode: str, pki: pathlib.Path, seconds: float) -> dict[str, float]:
    ctx = multiprocessing.get_context("spawn")
    port, stop = free_port(), ctx.Event()
    proc = ctx.Process(target=serve, args=(mode, port, pki, stop))
    proc.start()
    try:
        target, tls = f"127.0.0.1:{port}", None if mode == "plaintext" else pki / "validator"
        with grpc_channel(target, tls) as channel:
            grpc.channel_ready_future(channel).result(timeout=30)
        grpc_validate(target, None, tls=tls, in_flight=16, processes=2, seconds=1, pids=[proc.pid])
        calls = grpc_validate(target, None, tls=tls, in_flight=16, processes=2, seconds=seconds,
                              pids=[proc.pid])
        return {"loaded_rps": calls["rps"], "loaded_server_cpu_ms": calls["cpu_ms_per_req"],
                **one_at_a_time(target, tls, proc.pid)}
    finally:
        stop.set()
        proc.join(10)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    pki = pathlib.Path(tempfile.mkdtemp(prefix="authgate-tls-floor-")) / "pki"
    ensure_dev_pki(pki)
    runs: dict[str, list[dict[str, float]]] = {mode: [] for mode in MODES}
    for r in range(args.rounds):
        for mode in MODES:
            runs[mode].append(measure(mode, pki, args.seconds))
            print(f"round {r + 1} {mode}: " + ", ".join(f"{k}={v:.3f}" for k, v in runs[mode][-1].items()),
                  flush=True)
    print("medians:")
    for mode, figures in runs.items():
        print(f"  {mode}: " + ", ".join(f"{k}={statistics.median(f[k] for f in figures):.3f}"
                                       for k in figures[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
