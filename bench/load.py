"""Load generators shared by both systems: wrk (fixed connections, fixed duration) for
single-request scenarios, Python threads for multi-request flows, Python processes for
gRPC; and the CPU time the measured processes spent (/proc/<pid>/stat, children included)."""

from __future__ import annotations

import json
import multiprocessing
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = pathlib.Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            tree.setdefault(ppid, []).append(int(entry))
    return tree


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes and their descendants, in seconds."""
    tree, total, todo, seen = _children(), 0, list(pids), set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        todo.extend(tree.get(pid, []))
        try:
            fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / CLK_TCK


def machine_busy() -> float:
    """Busy CPU seconds of the whole machine so far (/proc/stat), to show other load."""
    fields = [int(x) for x in pathlib.Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / CLK_TCK


def _lua_string(text: str) -> str:
    return json.dumps(text)  # ASCII only here: a JSON string is a valid Lua string


def wrk(url: str, *, method: str = "GET", body: str = "", headers: dict[str, str] | None = None,
        connections: int = 16, threads: int = 2, seconds: float = 8,
        pids: list[int] | None = None) -> dict[str, Any]:
    """One fixed-duration wrk run; latency percentiles in ms, CPU of `pids` per request."""
    lines = [f"wrk.method = {_lua_string(method)}"]
    if body:
        lines.append(f"wrk.body = {_lua_string(body)}")
    for key, value in (headers or {}).items():
        lines.append(f"wrk.headers[{_lua_string(key)}] = {_lua_string(value)}")
    lines.append("""done = function(s, lat, req)
  io.write(string.format('BENCHJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,'
    .. '"status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d}\\n',
    s.requests, s.duration, lat:percentile(50), lat:percentile(99), s.errors.status,
    s.errors.connect, s.errors.read, s.errors.write, s.errors.timeout))
end""")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write("\n".join(lines) + "\n")
    try:
        before, busy = cpu_seconds(pids or []), machine_busy()
        proc = subprocess.run([shutil.which("wrk") or "wrk", f"-t{threads}", f"-c{connections}",
                               f"-d{max(1, round(seconds))}s", "--timeout", "10s", "-s", script.name, url],
                              capture_output=True, text=True, timeout=seconds + 60, check=False)
        used, busy = cpu_seconds(pids or []) - before, machine_busy() - busy
    finally:
        os.unlink(script.name)
    match = re.search(r"BENCHJSON (\{.*\})", proc.stdout)
    if not match:
        raise RuntimeError(f"wrk failed: {proc.stdout}{proc.stderr}")
    raw = json.loads(match.group(1))
    ok = raw["requests"] - raw["status"]
    errors = raw["status"] + raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    dur = raw["duration_us"] / 1e6
    return {"rps": ok / dur, "p50_ms": raw["p50_us"] / 1000, "p99_ms": raw["p99_us"] / 1000,
            "cpu_ms_per_req": 1000 * used / max(ok, 1), "requests": raw["requests"],
            "errors": errors, "cpu_cores_busy": used / dur, "machine_cores_busy": busy / dur}


def threaded(work: Callable[[Any], None], make_state: Callable[[int], Any], *, workers: int,
             seconds: float, pids: list[int] | None = None) -> dict[str, Any]:
    """`workers` threads each call `work(state)` in a loop for `seconds`; one call = one op."""
    states = [make_state(i) for i in range(workers)]
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def loop(state: Any) -> None:
        mine: list[float] = []
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            try:
                work(state)
            except Exception as exc:  # noqa: BLE001 - counted and reported, never hidden
                with lock:
                    errors.append(repr(exc)[:200])
                continue
            mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)

    before, busy, started = cpu_seconds(pids or []), machine_busy(), time.monotonic()
    pool = [threading.Thread(target=loop, args=(s,)) for s in states]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    dur = time.monotonic() - started
    used, busy = cpu_seconds(pids or []) - before, machine_busy() - busy
    return {**summarize(latencies, dur), "cpu_ms_per_req": 1000 * used / max(len(latencies), 1),
            "errors": len(errors), "first_error": errors[0] if errors else "",
            "cpu_cores_busy": used / dur, "machine_cores_busy": busy / dur}


def summarize(latencies: list[float], duration: float) -> dict[str, Any]:
    if not latencies:
        return {"rps": 0.0, "p50_ms": 0.0, "p99_ms": 0.0, "requests": 0}
    ordered = sorted(latencies)
    return {"rps": len(ordered) / duration, "p50_ms": 1000 * statistics.median(ordered),
            "p99_ms": 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
            "requests": len(ordered)}


def grpc_channel(target: str, tls: pathlib.Path | None, server: str = "token") -> Any:
    """Mutual TLS with the certificate in the folder `tls` (tls.crt, tls.key, ca.crt; the
    server must prove to be `server`), or plaintext when `tls` is None."""
    import grpc
    from authgate_common.grpc_access import InternalTls

    if tls is None:  # the baseline of the `mtls` scenario only
        return grpc.insecure_channel(target)
    internal = InternalTls.in_dir(str(tls))
    # A bare channel (no request-id interceptor): the load generator measures the server.
    return grpc.secure_channel(target, internal.channel_credentials(),
                               options=internal.channel_options(server))


def _grpc_worker(target: str, tls: pathlib.Path | None, token: str | None, threads: int, ready: Any,
                 seconds: float, out: Any) -> None:
    import grpc
    from authgate.token.v1 import token_pb2, token_pb2_grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    # One channel (one connection, one handshake) per process, as a validator keeps one.
    channel = grpc_channel(target, tls)
    if token is None:  # the floor: the same server answering its health check (no work)
        call, request = health_pb2_grpc.HealthStub(channel).Check, health_pb2.HealthCheckRequest()
    else:
        call, request = (token_pb2_grpc.TokenServiceStub(channel).ValidateToken,
                         token_pb2.ValidateTokenRequest(token=token))
    call(request, timeout=5)  # connect before the clock starts
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    ready.wait()  # every worker (and the CPU meter) starts together, once all are connected
    stop_at = time.monotonic() + seconds

    def loop() -> None:
        mine = []
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            try:
                call(request, timeout=5)
            except grpc.RpcError:
                errors[0] += 1
                continue
            mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=loop) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    out.put((latencies, errors[0]))


def grpc_validate(target: str, token: str | None, *, tls: pathlib.Path | None, in_flight: int,
                  processes: int, seconds: float, pids: list[int]) -> dict[str, Any]:
    """`in_flight` blocking ValidateToken calls at all times, spread over `processes`
    (`token` None: gRPC health checks instead, the server's own floor), over mutual TLS
    with the certificate in `tls` (a `validator`'s), or plaintext when None."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    per = in_flight // processes
    ready = ctx.Barrier(processes + 1)
    procs = [ctx.Process(target=_grpc_worker, args=(target, tls, token, per, ready, seconds, queue))
             for _ in range(processes)]
    for p in procs:
        p.start()
    ready.wait(timeout=120)
    callers = [p.pid for p in procs if p.pid is not None]
    before, busy, calling = cpu_seconds(pids), machine_busy(), cpu_seconds(callers)
    time.sleep(seconds)
    used, busy = cpu_seconds(pids) - before, machine_busy() - busy
    calling = cpu_seconds(callers) - calling
    results = [queue.get(timeout=seconds + 60) for _ in procs]
    for p in procs:
        p.join()
    latencies = [x for lat, _ in results for x in lat]
    summary = summarize(latencies, seconds)
    return {**summary, "errors": sum(e for _, e in results),
            "cpu_ms_per_req": 1000 * used / max(len(latencies), 1), "cpu_cores_busy": used / seconds,
            "caller_cpu_ms_per_req": 1000 * calling / max(len(latencies), 1),
            "machine_cores_busy": busy / seconds}
