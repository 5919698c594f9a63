"""The peer: node-oidc-provider v9 (bench/peer/server.js), one Node.js process with its
in-memory adapter or, the durable peer, its Redis adapter (bench/peer/redis_adapter.js, on
the Redis authgate uses, under a key prefix of its own), and the fixtures its scenarios need."""

from __future__ import annotations

import os
import pathlib
import secrets
import subprocess
import time

import httpx
from authgate_devstack.ports import free_port
from stacks import BENCH
from target import Target

PEER = "oidc-provider"
PEER_REDIS = "oidc-provider (Redis)"  # report.PEER_REDIS


class PeerSystem:
    """node-oidc-provider v9 as one Node.js process (bench/peer/server.js); with `redis_url`
    and `redis_prefix` it keeps its state in Redis (the Redis server's CPU is not counted,
    as PostgreSQL's and Redis's are not for authgate)."""

    def __init__(self, workdir: pathlib.Path, redis_url: str | None = None, redis_prefix: str = "") -> None:
        # The peer's client secret: made per run and handed to it, like authgate's own.
        self.SECRET = secrets.token_urlsafe(32)
        self.port = free_port()
        self.workdir = workdir
        self.redis_url, self.redis_prefix = redis_url, redis_prefix
        self.name = PEER_REDIS if redis_url else PEER
        self.log = workdir / ("peer-redis.log" if redis_url else "peer.log")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = open(self.log, "ab")  # noqa: SIM115 - lives with the process
        env = {**os.environ, "PEER_PORT": str(self.port), "PEER_CLIENT_SECRET": self.SECRET,
               "NODE_ENV": "production"}
        if self.redis_url:
            env.update(PEER_REDIS_URL=self.redis_url, PEER_REDIS_PREFIX=self.redis_prefix)
        self.proc = subprocess.Popen(["node", str(BENCH / "peer" / "server.js")], cwd=BENCH / "peer",
                                     env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n" + self.log.read_text())
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/.well-known/openid-configuration",
                             timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} not ready")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def setup(self) -> tuple[Target, dict]:
        base = f"http://127.0.0.1:{self.port}"
        bench, opaque = ("bench", self.SECRET), ("bench-opaque", self.SECRET)
        target = Target(name=self.name, base=base, token_path="/token",
                        introspect_path="/token/introspection", authorize_path="/auth",
                        cc_client=bench, flow_client=bench, refresh_client=bench,
                        redirect_uri="https://app.example/peer/cb",
                        refresh_scope="openid offline_access read",
                        refresh_extra={"prompt": "consent"}, refresh_shares_session=False)
        with target.browser() as browser:
            # The first authorize signs in (automatic interaction): the SSO session.
            target.code_flow(browser, bench, "openid read")
            # Only the session cookies (path /): the interaction ones are per interaction.
            target.flow_cookies = {c.name: c.value for c in browser.cookies.jar if c.path == "/"}
        # oidc-provider refuses to introspect a JWT, so its introspection case is an opaque
        # client_credentials token (a lookup in its in-memory store).
        with httpx.Client(timeout=30) as http:
            resp = http.post(base + "/token", auth=opaque, data={"grant_type": "client_credentials",
                                                                 "scope": "read"})
            resp.raise_for_status()
            target.intro_token, target.intro_caller = resp.json()["access_token"], opaque
            check = http.post(base + "/token/introspection", auth=opaque,
                              data={"token": target.intro_token}).json()
            if not check.get("active"):
                raise RuntimeError(f"peer introspection inactive: {check}")
        assert self.proc is not None
        target.pids = [self.proc.pid]
        return target, {}
