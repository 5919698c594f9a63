"""Where a service spends its CPU under one scenario's load: py-spy (from bench/.venv)
samples one process of a one-replica stack (the token service unless --process says
otherwise) while bench/run.py's load runs, then the collapsed stacks are summed into the
functions with the most inclusive samples.

    .venv/bin/python bench/profile.py cc|introspect|validate|code|refresh [--process authorization]
        [--seconds 10] [--gil]
"""

from __future__ import annotations

import argparse
import collections
import pathlib
import subprocess
import sys
import tempfile
import threading

import scenarios as sc
from authgate_common.testing import REDIS_URL, postgres_database, redis_prefix
from load import cpu_seconds, grpc_validate
from stacks import BENCH, AuthgateSystem

PY_SPY = BENCH / ".venv" / "bin" / "py-spy"


def summarize(raw: pathlib.Path, top: int = 25) -> list[str]:
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():  # a frame name with a space or odd bytes: not a sample line
            continue
        n = int(count)
        total += n
        frames = [f.split(" (")[0] + " (" + f.split(" (")[-1].split(":")[0].rsplit("/", 1)[-1] + ")"
                  for f in stack.split(";") if f]
        for frame in set(frames):
            inclusive[frame] += n
        if frames:
            own[frames[-1]] += n
    out = [f"{total} samples", "inclusive:"]
    out += [f"  {100 * n / total:5.1f}%  {f}" for f, n in inclusive.most_common(top)]
    out += ["self:"] + [f"  {100 * n / total:5.1f}%  {f}" for f, n in own.most_common(top)]
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", choices=["cc", "introspect", "validate", "code", "refresh"])
    ap.add_argument("--process", default="token",
                    help="the process to sample: token, authorization, session, identity, envoy")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--gil", action="store_true", help="only samples holding the GIL (CPU, not waits)")
    args = ap.parse_args()
    work = pathlib.Path(tempfile.mkdtemp(prefix="authgate-profile-"))
    with postgres_database("prof") as db, redis_prefix("prof") as prefix:
        ag = AuthgateSystem(work / "stack", db, REDIS_URL, prefix, token_replicas=1)
        ag.start()
        try:
            a, fx = ag.setup()
            load = {"cc": lambda: sc.client_credentials(a, args.seconds + 2, 16),
                    "introspect": lambda: sc.introspection(a, args.seconds + 2, 16),
                    "code": lambda: sc.code_flow(a, args.seconds + 2, 4),
                    "refresh": lambda: sc.refresh(a, args.seconds + 2, 4),
                    "validate": lambda: grpc_validate(ag.stack.grpc_target("token"), fx["access_token"],
                                                      tls=ag.stack.pki_dir / "validator", in_flight=16,
                                                      processes=2, seconds=args.seconds + 4,
                                                      pids=[ag.stack.procs["token"].pid])}[args.scenario]
            procs = {name: proc.pid for name, proc in ag.stack.procs.items()}
            postgres = [int(p) for p in subprocess.run(["pgrep", "-x", "postgres"], capture_output=True,
                                                       text=True).stdout.split()]
            before = {name: cpu_seconds([pid]) for name, pid in procs.items()}
            pg_before = sum(cpu_seconds([p]) for p in postgres)
            figures: dict = {}
            driver = threading.Thread(target=lambda: figures.update(load()))
            driver.start()
            raw = work / f"{args.process}.raw"
            subprocess.run([str(PY_SPY), "record", "-p", str(ag.stack.procs[args.process].pid), "-d",
                            str(args.seconds), "-r", "200", "-f", "raw", "-o", str(raw), "--nonblocking",
                            *(["--gil"] if args.gil else [])],
                           check=True, capture_output=True)
            driver.join()
            used = {name: cpu_seconds([pid]) - before[name] for name, pid in procs.items()}
            used["postgres (every backend)"] = sum(cpu_seconds([p]) for p in postgres) - pg_before
            print("load:", {k: round(v, 2) for k, v in figures.items() if isinstance(v, float | int)})
            print("CPU seconds by process over the whole load:")
            for name, secs in sorted(used.items(), key=lambda kv: -kv[1]):
                print(f"  {secs:7.2f}  {name}")
            print("\n".join(summarize(raw)))
        finally:
            ag.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
