"""The scenarios of issue 8, each a function of one system (`Target`) returning one run's
figures. Token endpoint: RFC 6749 §4.4 / §4.1.3 / §6; introspection: RFC 7662; JWT access
tokens: RFC 9068; session revocation: authgate's DELETE /api/v1/sessions/{sid}."""

from __future__ import annotations

import base64
import os
import threading
import time
import urllib.parse
from typing import Any

import httpx
from load import cpu_seconds, summarize, threaded, wrk
from stacks import PASSWORD
from target import Target

FORM = "application/x-www-form-urlencoded"


def basic(client: tuple[str, str]) -> str:
    return "Basic " + base64.b64encode(f"{client[0]}:{client[1]}".encode()).decode()


def client_credentials(t: Target, seconds: float, conns: int) -> dict[str, Any]:
    return wrk(t.base + t.token_path, method="POST", seconds=seconds, connections=conns,
               body="grant_type=client_credentials&scope=read", pids=t.pids,
               headers={"Content-Type": FORM, "Authorization": basic(t.cc_client)})


def introspection(t: Target, seconds: float, conns: int) -> dict[str, Any]:
    body = urllib.parse.urlencode({"token": t.intro_token})
    return wrk(t.base + t.introspect_path, method="POST", seconds=seconds, connections=conns,
               body=body, pids=t.pids,
               headers={"Content-Type": FORM, "Authorization": basic(t.intro_caller)})


def code_flow(t: Target, seconds: float, workers: int) -> dict[str, Any]:
    def work(http: httpx.Client) -> None:
        t.code_flow(http, t.flow_client, t.flow_scope)
    return threaded(work, lambda _: t.browser(), workers=workers, seconds=seconds, pids=t.pids)


def refresh(t: Target, seconds: float, workers: int) -> dict[str, Any]:
    """Each worker rotates its own refresh token (every call consumes the one before)."""
    def start(_: int) -> dict[str, Any]:
        http = t.browser() if t.refresh_shares_session else httpx.Client(timeout=30)
        tokens = t.code_flow(http, t.refresh_client, t.refresh_scope, **t.refresh_extra)
        if "refresh_token" not in tokens:
            raise RuntimeError(f"{t.name}: no refresh token in {sorted(tokens)}")
        return {"http": http, "rt": tokens["refresh_token"]}

    def work(state: dict[str, Any]) -> None:
        resp = state["http"].post(t.base + t.token_path, auth=t.refresh_client,
                                  data={"grant_type": "refresh_token", "refresh_token": state["rt"]})
        if resp.status_code != 200:
            raise RuntimeError(f"refresh {resp.status_code}: {resp.text[:200]}")
        state["rt"] = resp.json().get("refresh_token", state["rt"])
    return threaded(work, start, workers=workers, seconds=seconds, pids=t.pids)


def example_api(url: str, headers: dict[str, str], seconds: float, conns: int,
                pids: list[int], threads: int = 2) -> dict[str, Any]:
    return wrk(url, seconds=seconds, connections=conns, threads=min(threads, conns), headers=headers,
               pids=pids)


def login(t: Target, username: str, seconds: float, workers: int) -> dict[str, Any]:
    def work(http: httpx.Client) -> None:
        resp = http.post(t.base + "/api/v1/sso/login", json={"username": username, "password": PASSWORD})
        if resp.status_code != 200:
            raise RuntimeError(f"login {resp.status_code}: {resp.text[:200]}")
    return threaded(work, lambda _: httpx.Client(timeout=30), workers=workers, seconds=seconds,
                    pids=t.pids)


def bcrypt_verify_seconds(rounds: int = 12, samples: int = 5) -> float:
    """One bcrypt verify at `rounds` with passlib, in this process (the login bound)."""
    from passlib.hash import bcrypt

    digest = bcrypt.using(rounds=rounds).hash(PASSWORD)
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        bcrypt.verify(PASSWORD, digest)
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def rs256_signatures_per_core(seconds: float = 2.0) -> float:
    """RS256 (RSA-2048, PKCS#1 v1.5, SHA-256) signatures per second on one core."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    payload, count = b"x" * 300, 0
    stop = time.perf_counter() + seconds
    t0 = time.perf_counter()
    while time.perf_counter() < stop:
        key.sign(payload, padding.PKCS1v15(), hashes.SHA256())
        count += 1
    return count / (time.perf_counter() - t0)


def es256_signatures_per_core(seconds: float = 2.0) -> float:
    """ES256 (P-256, SHA-256) signatures per second on one core: the figure for an option
    authgate does not offer (RS256 is pinned; bench/NOTES.md says why)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    payload, count = b"x" * 300, 0
    stop = time.perf_counter() + seconds
    t0 = time.perf_counter()
    while time.perf_counter() < stop:
        key.sign(payload, ec.ECDSA(hashes.SHA256()))
        count += 1
    return count / (time.perf_counter() - t0)


def revocation_propagation(t: Target, sessions_channel: Any, validator_channel: Any, user_id: str,
                           times: int) -> dict[str, Any]:
    """`times` times: a fresh session and token, DELETE the session through the gateway
    (another session's cookie, Origin set), poll ValidateToken on `validator_channel` (to
    another process than the one revoking) until UNAUTHENTICATED. Clock starts as the
    DELETE is sent. `sessions_channel` must present the identity service's certificate:
    only it may call CreateSession."""
    import grpc
    from authgate.session.v1 import session_pb2, session_pb2_grpc
    from authgate.token.v1 import token_pb2, token_pb2_grpc

    sessions = session_pb2_grpc.SessionServiceStub(sessions_channel)
    validator = token_pb2_grpc.TokenServiceStub(validator_channel)
    cookie_name = next(iter(t.flow_cookies))
    delays, deletes, polls = [], [], []
    with httpx.Client(timeout=30, cookies=t.flow_cookies) as remover:
        for _ in range(times):
            made = sessions.CreateSession(session_pb2.CreateSessionRequest(
                user_id=user_id, client_ip="127.0.0.1", user_agent="bench", amr=["pwd"]), timeout=5)
            with httpx.Client(timeout=30, follow_redirects=False,
                              cookies={cookie_name: made.session_token}) as device:
                access = t.code_flow(device, t.flow_client, "openid read")["access_token"]
            request = token_pb2.ValidateTokenRequest(token=access)
            validator.ValidateToken(request, timeout=5)  # live before the revoke
            done: dict[str, float] = {}

            def revoke(sid: str = made.session.sid, box: dict[str, float] = done) -> None:
                resp = remover.delete(f"{t.base}/api/v1/sessions/{sid}", headers={"Origin": t.base})
                box["at"] = time.perf_counter()
                box["status"] = resp.status_code

            t0 = time.perf_counter()
            thread = threading.Thread(target=revoke)
            thread.start()
            n = 0
            while True:
                n += 1
                try:
                    validator.ValidateToken(request, timeout=5)
                except grpc.RpcError as exc:
                    if exc.code() == grpc.StatusCode.UNAUTHENTICATED:
                        break
                    raise
                if time.perf_counter() - t0 > 10:
                    raise RuntimeError("token still valid 10 s after the session was revoked")
            delays.append(time.perf_counter() - t0)
            thread.join()
            if done.get("status") != 204:
                raise RuntimeError(f"DELETE session answered {done.get('status')}")
            deletes.append(done["at"] - t0)
            polls.append(n)
    ordered = sorted(delays)
    return {"median_ms": 1000 * ordered[len(ordered) // 2], "worst_ms": 1000 * ordered[-1],
            "p99_ms": 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
            "delete_p50_ms": 1000 * sorted(deletes)[len(deletes) // 2], "samples": len(delays),
            "polls_median": sorted(polls)[len(polls) // 2]}


def machine() -> dict[str, Any]:
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                  if line.startswith("model name")), "unknown")
    mem_kb = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    return {"nproc": os.cpu_count(), "cpu_model": model, "memory_gib": round(mem_kb / 2**20, 1)}


__all__ = ["cpu_seconds", "summarize"]
