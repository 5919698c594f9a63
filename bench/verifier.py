"""authgate-verifier's figures (issue 18): validations/s per core of the library, and how
soon a revocation made through the stack is refused by a verifier in another process.

    .venv/bin/python bench/verifier.py throughput [--seconds 2]
    .venv/bin/python bench/verifier.py latency [--revocations 50]   # starts a stack

`throughput` needs no stack: an RSA-2048 key, tokens signed as the token service signs
them, a synced revocation state; one token repeated (the verified-token cache) and distinct
tokens (a signature check each), on one thread, so per core. Alternated A B A B, ratios and
µs per validation printed. `latency` starts the stack as bench/run.py does, connects a
verifier to the token service's RevocationFeedService with the `validator` certificate, and for
each revocation (a jti through /revoke, a session through DELETE /api/v1/sessions/{sid})
polls the verifier until it refuses: p50/p99 from the revocation call's start and end.
Never a timed assertion: figures only.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import sys
import tempfile
import time

BENCH = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "libs" / "verifier" / "tests"))


def throughput(seconds: float, rounds: int) -> dict:
    from authgate_verifier import JwksCache, RevocationState, Verifier
    from verifier_fakes import AUDIENCE, ISSUER, NOW, Clock, Issuer

    issuer = Issuer()
    issuer.new_key("k1")
    wall = Clock(NOW)
    state = RevocationState(max_silence=1e9, clock=wall)
    state.apply(snapshot_complete=True)
    verifier = Verifier(ISSUER, AUDIENCE, JwksCache(ISSUER, fetch=issuer.fetch), state,
                        clock=wall, cache_size=10_000)
    distinct = [issuer.token() for _ in range(4000)]
    one = distinct[0]

    def run(kind: str) -> float:
        n, cpu0, t0 = 0, time.process_time(), time.monotonic()
        while time.monotonic() - t0 < seconds:
            if kind == "repeated":
                for _ in range(1000):
                    verifier.verify(one, ("read",))
                n += 1000
            else:
                verifier._cache.clear()  # every token verified from scratch
                for t in distinct[:1000]:
                    verifier.verify(t, ("read",))
                n += 1000
        return n / (time.process_time() - cpu0)  # per CPU second: per core

    out: dict[str, list[float]] = {"repeated": [], "distinct": []}
    for _ in range(rounds):
        for kind in ("repeated", "distinct"):
            out[kind].append(run(kind))
    figures: dict = {k: {"per_core_per_s": round(statistics.median(v)),
                         "us_each": round(1e6 / statistics.median(v), 1), "rounds": [round(x) for x in v]}
                     for k, v in out.items()}
    return figures | {"loadavg": os.getloadavg()}


def latency(revocations: int, sessions: int) -> dict:
    """Starts a stack of its own (two token replicas), then `latency_on` it."""
    from authgate_common.testing import REDIS_URL, postgres_database, redis_prefix
    from stacks import AuthgateSystem

    work = pathlib.Path(tempfile.mkdtemp(prefix="authgate-bench-verifier-"))
    with postgres_database("benchv") as db_url, redis_prefix("benchv") as prefix:
        ag = AuthgateSystem(work / "stack", db_url, REDIS_URL, prefix, 2)
        ag.start()
        try:
            target, fx = ag.setup()
            return latency_on(ag.stack, target, fx, revocations, sessions)
        finally:
            ag.stop()


def latency_on(st, target, fx: dict, revocations: int, sessions: int) -> dict:
    """On a running bench stack (bench/stacks.py): a verifier in this process, fed by the
    token replicas' RevocationFeedService over mutual TLS (the validator certificate), and
    for each revocation the time until it refuses the token."""
    import httpx
    from authgate_verifier import InvalidToken, TlsFiles, Unavailable, VerifierConfig, connect
    from stacks import PASSWORD

    verifier = connect(VerifierConfig(
        issuer=st.base_url, audience="urn:authgate:api", feed_target=st.grpc_targets("token"),
        tls=TlsFiles.in_dir(str(st.pki_dir / "validator"))), wait_seconds=15)
    cid, secret = target.cc_client

    def refused_after(token: str, revoke) -> tuple[float, float]:
        verifier.verify(token)
        t0 = time.perf_counter()
        revoke()
        t1 = time.perf_counter()
        while True:
            try:
                verifier.verify(token)
            except InvalidToken:
                now = time.perf_counter()
                return (now - t0) * 1000, (now - t1) * 1000
            except Unavailable:
                pass
            if time.perf_counter() - t0 > 5:
                return 5000.0, 5000.0
            time.sleep(0.0005)

    jti_ms = []
    sid_ms = []
    # Each session measured here is revoked: the target's own signed-in browser is put back
    # afterwards, for the scenarios that run after this one.
    kept_cookies = target.flow_cookies
    try:
        with httpx.Client(base_url=st.base_url, timeout=30) as http:
            for _ in range(revocations):
                token = http.post("/api/v1/oauth/token", auth=(cid, secret), data={
                    "grant_type": "client_credentials", "scope": "read"}).json()["access_token"]
                jti_ms.append(refused_after(token, lambda t=token: http.post(
                    "/api/v1/oauth/revoke", auth=(cid, secret), data={"token": t}).raise_for_status()))
        for _ in range(sessions):
            with httpx.Client(base_url=st.base_url, timeout=30) as browser:
                login = browser.post("/api/v1/sso/login",
                                     json={"username": fx["user"], "password": PASSWORD})
                sid = login.json()["sid"]
                target.flow_cookies = dict(login.cookies)
                with target.browser() as b:
                    token = target.code_flow(b, target.flow_client, "openid read")["access_token"]
                sid_ms.append(refused_after(token, lambda s=sid, c=browser: c.delete(
                    f"/api/v1/sessions/{s}", headers={"Origin": st.base_url}).raise_for_status()))
    finally:
        target.flow_cookies = kept_cookies
        verifier.close()

    def pct(xs: list[float], p: float) -> float:
        xs = sorted(xs)
        return round(xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))], 1)

    def figures(pairs: list[tuple[float, float]]) -> dict:
        start, end = [a for a, _ in pairs], [b for _, b in pairs]
        return {"n": len(pairs), "from_call_start_ms": {"p50": pct(start, .5), "p99": pct(start, .99)},
                "from_call_end_ms": {"p50": pct(end, .5), "p99": pct(end, .99)}}

    return {"jti": figures(jti_ms), "session": figures(sid_ms) if sid_ms else None,
            "loadavg": os.getloadavg()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["throughput", "latency"])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--revocations", type=int, default=50)
    parser.add_argument("--sessions", type=int, default=20)
    args = parser.parse_args()
    if args.what == "throughput":
        print(json.dumps(throughput(args.seconds, args.rounds), indent=2))
    else:
        print(json.dumps(latency(args.revocations, args.sessions), indent=2))


if __name__ == "__main__":
    main()
