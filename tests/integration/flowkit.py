"""Helpers for driving the stack through the gateway as a browser, an app and an operator."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import pathlib
import secrets
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import httpx
from authgate.token.v1 import token_pb2, token_pb2_grpc
from authgate_devstack.gateway import SERVICES, dump, load_source, render
from authgate_devstack.secrets_store import service_secrets
from authgate_devstack.stack import Ports, Stack, free_ports

AUTHGATE = str(pathlib.Path(sys.executable).parent / "authgate")
ENVOY = pathlib.Path(sys.executable).parent / "envoy"
CODE_TTL_SECONDS = 5  # short, so the expired-code test need not wait a minute


def start_stack(workdir: pathlib.Path, env: dict[str, str],
                replicas: dict[str, int] | None = None) -> Stack:
    """Migrate and start a stack on free ports; `replicas` maps a service to its count.

    Without `replicas`, AUTHGATE_TEST_REPLICAS=N runs N replicas of every service, so the
    whole suite can be run against a scaled-out stack.
    """
    if replicas is None and os.environ.get("AUTHGATE_TEST_REPLICAS"):
        replicas = dict.fromkeys(SERVICES, int(os.environ["AUTHGATE_TEST_REPLICAS"]))
    base = {"ENVIRONMENT": "development",
            "AUTHORIZATION_CODE_TTL_SECONDS": str(CODE_TTL_SECONDS), "LOG_LEVEL": "INFO",
            # Every test signs in from 127.0.0.1: the per-address lockout would let one
            # test's wrong passwords lock out the next; per-account lockout stays on.
            "LOGIN_MAX_FAILURES_PER_ADDRESS": "100000",
            # Every test's clients share one stack: no test should meet the per-client
            # limit by accident (test_client_rate_limit.py restarts the token replicas with a low one).
            "TOKEN_CLIENT_RATE_LIMIT": "1000000",
            # Likewise wrong secrets: every test calls from 127.0.0.1, and the fuzzing run repeats
            # its client ids (test_client_auth_guessing.py restarts the token replicas with a low limit).
            "CLIENT_AUTH_MAX_FAILURES": "1000000",
            # Every test signs users up and in; at the production cost (12) each hash is
            # ~0.3 s of a core. The cost is a setting like any other: the identity tests
            # check hashing at, and upgrading to, a configured cost.
            "BCRYPT_ROUNDS": "4",
            # The back-channel logout tests' receivers listen on 127.0.0.1, which the
            # authorization service refuses to call unless allowed (development only);
            # test_backchannel_ssrf.py restarts it without this.
            "BACKCHANNEL_LOGOUT_ALLOW_LOOPBACK": "true"}
    # Likewise the gateway's per-address limits: every test comes from 127.0.0.1, and the
    # fuzzing run (test_schemathesis.py) alone would empty gateway.yaml's buckets and 429
    # the tests after it. The limits stay on, out of reach; test_rate_limits.py checks
    # them on a strict gateway of its own.
    limits = {name: {"requests": 1_000_000, "per_seconds": 60} for name in load_source()["rate_limits"]}
    # As `make up`: each service its own SECRET_KEY and, on PostgreSQL, its own role; the
    # DATABASE_URL given (an administrator's) only sets those roles up.
    env = dict(env)
    database_url = env.pop("DATABASE_URL", None)
    own = service_secrets(pathlib.Path(env.get("VAR_DIR", workdir / "var")) / "secrets", SERVICES,
                          database_url=database_url)
    stack = Stack(ports=Ports.free(replicas), env={**base, **env}, workdir=workdir, rate_limits=limits,
                  service_secrets=own.env, database_admin_url=database_url)
    stack.migrate()
    try:
        stack.start(timeout=90)
    except BaseException:
        stack.stop()
        raise
    return stack


def validate_on(stack: Stack, replica: int, token: str, timeout: float = 10) -> grpc.StatusCode:
    """ValidateToken on one token replica (Envoy would pick one): its code."""
    with stack.channel("token", "validator", replica) as ch:
        try:
            token_pb2_grpc.TokenServiceStub(ch).ValidateToken(
                token_pb2.ValidateTokenRequest(token=token), timeout=timeout)
        except grpc.RpcError as exc:
            return exc.code()
    return grpc.StatusCode.OK


@contextlib.contextmanager
def extra_gateway(stack: Stack, folder: pathlib.Path, **render_args: Any) -> Iterator[str]:
    """A second Envoy in front of the same services, rendered with `render_args` (tiny
    rate limits, trusted hops …), so the shared gateway's state stays untouched; its URL."""
    port, admin = free_ports(2)
    config = folder / "envoy.yaml"
    config.write_text(dump(render("local", stack.ports.endpoints(), listener_port=port, admin_port=admin,
                                  gateway_tls_dir=str(stack.pki_dir / "gateway"), **render_args)))
    proc = subprocess.Popen([str(ENVOY), "-c", str(config), "--log-level", "error",
                             "--base-id", str(admin)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{admin}/ready", timeout=1) as r:  # noqa: S310
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the extra gateway did not start"
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


def settle_after_session_restart(flow: Flow, stack: Stack, timeout: float = 30) -> None:
    """Wait until every token replica has the restarted session service's revocation feed
    again (validation of a session-bound token fails closed, 503, until it has), so the
    tests after one that restarted the session service find the stack as it was. Signing in
    may fail meanwhile too: the other services' channels to the session service reconnect
    with gRPC's back-off."""
    deadline = time.monotonic() + timeout
    token = None
    while token is None:
        try:
            token = flow.tokens()["access_token"]
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    while set(validate_on_each_replica(stack, token)) != {grpc.StatusCode.OK}:
        if time.monotonic() > deadline:
            raise AssertionError("a token replica never got the revocation feed back")
        time.sleep(0.2)


def validate_on_each_replica(stack: Stack, token: str, timeout: float = 10) -> list[grpc.StatusCode]:
    """ValidateToken on every token replica in turn: each one's code."""
    return [validate_on(stack, i, token, timeout) for i in range(len(stack.ports.grpc["token"]))]


@dataclass
class Cli:
    stack: Stack

    def __call__(self, *args: str, stdin: str | None = None, check: bool = True) -> dict:
        env = {**os.environ, **self.stack.cli_env()}
        proc = subprocess.run([AUTHGATE, *args, "--json"], input=stdin, capture_output=True,
                              text=True, env=env, cwd=self.stack.workdir, timeout=60)
        if check and proc.returncode != 0:
            raise AssertionError(f"authgate {' '.join(args)} failed: {proc.stdout}{proc.stderr}")
        return json.loads(proc.stdout) if proc.returncode == 0 and proc.stdout.strip() else {}


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    return verifier, challenge.decode()


@dataclass
class SignInUser:
    id: str
    username: str
    password: str


@dataclass
class AppClient:
    client_id: str
    client_secret: str
    redirect_uri: str


@dataclass
class Flow:
    """Drives the code flow through the gateway, as a browser and an app would."""

    stack: Stack
    cli: Cli

    @property
    def base(self) -> str:
        return self.stack.base_url

    def user(self, password: str = "correct horse battery") -> SignInUser:
        name = "u" + secrets.token_hex(5)
        out = self.cli("user", "create", "--username", name, "--email", f"{name}@example.com",
                       "--name", "Test User", "--password-stdin", stdin=password + "\n")
        return SignInUser(out["id"], name, password)

    def client(self, *extra: str, scopes: str = "openid profile email read write",
               public: bool = False) -> AppClient:
        cid = "c" + secrets.token_hex(5)
        redirect = f"https://app.example/{cid}/cb"
        args = ["client", "create", "--client-id", cid, "--redirect-uri", redirect,
                "--scope", scopes, "--grant-type", "authorization_code", "--first-party", *extra]
        if public:
            args.append("--public")
        out = self.cli(*args)
        return AppClient(cid, out.get("client_secret", ""), redirect)

    def browser(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, follow_redirects=False, timeout=30)

    def login(self, browser: httpx.Client, user: SignInUser) -> httpx.Response:
        resp = browser.post("/api/v1/sso/login",
                            json={"username": user.username, "password": user.password})
        assert resp.status_code == 200, resp.text
        return resp

    def authorize(self, browser: httpx.Client, client: AppClient, *, challenge: str | None,
                  scope: str = "openid profile email read", state: str = "st-1",
                  **params: str) -> httpx.Response:
        query = {"response_type": "code", "client_id": client.client_id,
                 "redirect_uri": client.redirect_uri, "scope": scope, "state": state, **params}
        if challenge is not None:
            query.update(code_challenge=challenge, code_challenge_method="S256")
        return browser.get("/api/v1/oauth/authorize", params=query)

    def code(self, browser: httpx.Client, client: AppClient, challenge: str | None,
             **params: str) -> str:
        resp = self.authorize(browser, client, challenge=challenge, **params)
        assert resp.status_code == 302, resp.text
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(resp.headers["location"]).query)
        assert "code" in q, resp.headers["location"]
        return q["code"][0]

    def exchange(self, client: AppClient, code: str, verifier: str | None,
                 redirect_uri: str | None = None, auth: tuple[str, str] | None = None) -> httpx.Response:
        form = {"grant_type": "authorization_code", "code": code,
                "redirect_uri": redirect_uri or client.redirect_uri}
        if verifier is not None:
            form["code_verifier"] = verifier
        with httpx.Client(base_url=self.base, timeout=30) as app:
            if client.client_secret or auth:
                return app.post("/api/v1/oauth/token", data=form,
                                auth=auth or (client.client_id, client.client_secret))
            return app.post("/api/v1/oauth/token", data={**form, "client_id": client.client_id})

    def tokens(self, user: SignInUser | None = None, client: AppClient | None = None,
               scope: str = "openid profile email read", **params: str) -> dict:
        """A full sign-in: login, authorize, exchange. Returns the token response."""
        user = user or self.user()
        client = client or self.client()
        verifier, challenge = pkce_pair()
        with self.browser() as browser:
            self.login(browser, user)
            code = self.code(browser, client, challenge, scope=scope, **params)
        resp = self.exchange(client, code, verifier)
        assert resp.status_code == 200, resp.text
        return resp.json()
