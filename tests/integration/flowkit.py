"""Helpers for driving the stack through the gateway as a browser, an app and an operator."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import pathlib
import re
import secrets
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import grpc
import httpx
from authgate.token.v1 import token_pb2, token_pb2_grpc
from authgate_common.testing import REDIS_URL, postgres_database, redis_prefix
from authgate_devstack.gateway import SERVICES, dump, load_source, render
from authgate_devstack.ports import Ports, free_ports
from authgate_devstack.processes import running_envoy
from authgate_devstack.secrets_store import service_secrets
from authgate_devstack.stack import Stack

AUTHGATE = str(pathlib.Path(sys.executable).parent / "authgate")
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
        stack.start_on_free_ports(timeout=90)
    except BaseException:
        stack.stop()
        raise
    return stack


@contextlib.contextmanager
def own_stack(tmp_path_factory: Any, name: str, replicas: dict[str, int] | None = None) -> Iterator[Stack]:
    """A stack (start_stack) on a PostgreSQL database and a Redis key prefix of its own,
    both named `name`, for as long as the block runs."""
    with postgres_database(name) as db_url, redis_prefix(name) as prefix:
        stack = start_stack(tmp_path_factory.mktemp(name),
                            {"DATABASE_URL": db_url, "REDIS_URL": REDIS_URL, "REDIS_KEY_PREFIX": prefix},
                            replicas)
        try:
            yield stack
        finally:
            stack.stop()


def eventually(check: Callable[[], bool], what: str, seconds: float = 3.0, interval: float = 0.05) -> None:
    """Polls `check` until it holds; fails, naming `what`, once `seconds` have passed."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"{what}: not within {seconds} s"
        time.sleep(interval)


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
    with running_envoy(config, admin):
        yield f"http://127.0.0.1:{port}"


class QuietHandler(BaseHTTPRequestHandler):
    """A test receiver's request handler that keeps the access log off stderr."""

    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def local_http_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[ThreadingHTTPServer]:
    """An HTTP server on 127.0.0.1 (a free port) answering with `handler` on threads of
    its own, while the block runs."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def settle_after_restart(flow: Flow, stack: Stack, timeout: float = 30) -> None:
    """Wait until a sign-in, a code exchange and validation on every token replica work
    again after a test restarted a service (Stack.reconfigured, revive), so the tests after
    it find the stack as it was: the callers' channels to a restarted service reconnect with
    gRPC's back-off (up to 5 s), and every token replica needs a restarted session
    service's revocation feed again (validation fails closed, 503, until it has)."""
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


settle_after_session_restart = settle_after_restart


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
               public: bool = False, first_party: bool = True) -> AppClient:
        """A client with the code grant and one redirect URI; a third-party one (not
        `first_party`) gets the consent page."""
        cid = "c" + secrets.token_hex(5)
        redirect = f"https://app.example/{cid}/cb"
        args = ["client", "create", "--client-id", cid, "--redirect-uri", redirect,
                "--scope", scopes, "--grant-type", "authorization_code", *extra]
        if first_party:
            args.append("--first-party")
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

    def code_tokens(self, browser: httpx.Client, client: AppClient, **params: str) -> dict:
        """A code for `client` in this signed-in browser, exchanged with PKCE: the token response."""
        verifier, challenge = pkce_pair()
        resp = self.exchange(client, self.code(browser, client, challenge, **params), verifier)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def sign_in(self, browser: httpx.Client, user: SignInUser, client: AppClient,
                **params: str) -> tuple[str, dict]:
        """Login in this browser (one device) and a code exchange: the device's session id
        (`sid`) and the token response, its tokens bound to that session."""
        sid = self.login(browser, user).json()["sid"]
        return sid, self.code_tokens(browser, client, **params)

    def device(self, client: AppClient, user: SignInUser) -> tuple[str, str]:
        """A sign-in on a browser of its own (scope `openid read`): its sid and access token."""
        with self.browser() as browser:
            sid, tokens = self.sign_in(browser, user, client, scope="openid read")
        return sid, tokens["access_token"]

    def tokens(self, user: SignInUser | None = None, client: AppClient | None = None,
               scope: str = "openid profile email read", **params: str) -> dict:
        """A full sign-in: login, authorize, exchange. Returns the token response."""
        user = user or self.user()
        client = client or self.client()
        with self.browser() as browser:
            self.login(browser, user)
            return self.code_tokens(browser, client, scope=scope, **params)


def service_client(flow: Flow, scopes: str, *flags: str) -> AppClient:
    """A client_credentials client registered by the operator (`--admin` for an admin client)."""
    cid = "adm" + secrets.token_hex(5)
    out = flow.cli("client", "create", "--client-id", cid, "--grant-type", "client_credentials",
                   "--scope", scopes, *flags)
    return AppClient(cid, out["client_secret"], "")


def client_token(flow: Flow, client: AppClient, scope: str) -> httpx.Response:
    """The token endpoint's answer to `client`'s client_credentials request for `scope`."""
    with httpx.Client(base_url=flow.base, timeout=30) as app:
        return app.post("/api/v1/oauth/token", auth=(client.client_id, client.client_secret),
                        data={"grant_type": "client_credentials", "scope": scope})


def consented_tokens(flow: Flow, browser: httpx.Client, client: AppClient,
                     scope: str = "openid read") -> dict:
    """In a signed-in browser: /authorize shows the consent page, Allow, exchange: the tokens."""
    verifier, challenge = pkce_pair()
    page = flow.authorize(browser, client, challenge=challenge, scope=scope)
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text))
    allowed = browser.post("/api/v1/oauth/consent", data={**fields, "decision": "allow"})
    assert allowed.status_code == 303, allowed.text
    code = dict(httpx.URL(allowed.headers["location"]).params)["code"]
    resp = flow.exchange(client, code, verifier)
    assert resp.status_code == 200, resp.text
    return resp.json()
