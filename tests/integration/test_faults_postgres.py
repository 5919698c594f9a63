"""PostgreSQL down and back (issue 7 §4): while it is down /token and login answer a clear
503 `temporarily_unavailable`, never a 500, and nothing is half written — a refresh
attempted in the outage does not consume its token, a failed login sets no cookie, an
authorization request issues no code. When it is back, the services' pools reconnect on
their own (no restart) and nothing written before is lost.

A private stack on a throwaway PostgreSQL cluster (initdb + pg_ctl, trust auth) this
module creates, stops and starts; the shared PostgreSQL is never touched.
"""

from __future__ import annotations

import glob
import os
import pathlib
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import grpc
import httpx
import pytest
from authgate.token.v1 import token_pb2, token_pb2_grpc
from authgate_common.testing import REDIS_URL, redis_prefix
from authgate_devstack.stack import Stack, free_port
from flowkit import AppClient, Cli, Flow, pkce_pair, start_stack

RECOVERY_SECONDS = 60  # generous: a loaded CI machine, not the expected time
PG_BINS = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


@dataclass
class ThrowawayPostgres:
    """One cluster in a temporary directory. initdb refuses to run as root, so as root
    every command runs as the `postgres` system user, which owns the directory."""

    root: pathlib.Path
    port: int
    bin_dir: pathlib.Path

    @property
    def data(self) -> pathlib.Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off -c max_connections=200"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.root / "postgres.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """`fast` ends every connection at once (what a restart or failover does to clients)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


@pytest.fixture(scope="module")
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    if not PG_BINS:
        pytest.skip("PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are not installed")
    # Not under pytest's tmp dir: that is private to its owner, and the server may run as
    # another user.
    root = pathlib.Path(tempfile.mkdtemp(prefix="authgate-pg-"))
    cluster = ThrowawayPostgres(root, free_port(), pathlib.Path(PG_BINS[-1]))
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        if cluster.running():
            cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def private(
    throwaway_postgres: ThrowawayPostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flow]:
    with redis_prefix("fault_pg") as prefix:
        stack = start_stack(
            tmp_path_factory.mktemp("stack"),
            {"DATABASE_URL": throwaway_postgres.url, "REDIS_URL": REDIS_URL, "REDIS_KEY_PREFIX": prefix},
        )
        try:
            yield Flow(stack, Cli(stack))
        finally:
            stack.stop()


def token_request(flow: Flow, client: AppClient, **form: str) -> httpx.Response:
    return httpx.post(
        f"{flow.base}/api/v1/oauth/token",
        auth=(client.client_id, client.client_secret),
        data=form,
        timeout=30,
    )


def assert_unavailable(resp: httpx.Response) -> None:
    """A clear 503: RFC 6749 `temporarily_unavailable`, told when to retry, no trace."""
    assert resp.status_code == 503, resp.text
    assert resp.json()["error"] == "temporarily_unavailable"
    assert resp.headers["retry-after"]
    assert "Traceback" not in resp.text and "psycopg" not in resp.text


def validate(stack: Stack, token: str) -> grpc.StatusCode:
    with grpc.insecure_channel(stack.grpc_target("token")) as ch:
        try:
            token_pb2_grpc.TokenServiceStub(ch).ValidateToken(
                token_pb2.ValidateTokenRequest(token=token), timeout=10
            )
            return grpc.StatusCode.OK
        except grpc.RpcError as exc:
            return exc.code()


def eventually(check: Callable[[], bool], what: str, seconds: float = RECOVERY_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"{what}: not within {seconds} s"
        time.sleep(0.25)


def sign_in(flow: Flow, browser: httpx.Client, client: AppClient) -> dict:
    verifier, challenge = pkce_pair()
    resp = flow.exchange(client, flow.code(browser, client, challenge, scope="openid read"), verifier)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_postgres_down_is_a_clear_503_and_the_pools_recover(
    private: Flow, throwaway_postgres: ThrowawayPostgres
) -> None:
    flow, stack = private, private.stack
    user = flow.user()
    client = flow.client("--grant-type", "refresh_token")
    # Not used before the outage: the token service's short memory of client
    # authentications (CLIENT_AUTH_CACHE_SECONDS) cannot answer for it.
    service = flow.client("--grant-type", "client_credentials", scopes="read")
    with flow.browser() as browser:
        flow.login(browser, user)
        tokens = sign_in(flow, browser, client)

        throwaway_postgres.stop()

        # The token endpoint, for every grant.
        assert_unavailable(token_request(flow, service, grant_type="client_credentials"))
        assert_unavailable(
            token_request(flow, client, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
        )
        # Login, for apps and for people: a 503 and no session cookie.
        with flow.browser() as other:
            resp = other.post(
                "/api/v1/sso/login", json={"username": user.username, "password": user.password}
            )
            assert_unavailable(resp)
            assert "sso_session" not in resp.headers.get("set-cookie", "")
        # No code is issued for a request the database cannot record.
        resp = flow.authorize(browser, client, challenge=pkce_pair()[1], scope="openid read")
        assert resp.status_code != 500 and "code=" not in resp.headers.get("location", ""), resp.text
        # Access tokens are checked without the database: validation carries on.
        assert validate(stack, tokens["access_token"]) == grpc.StatusCode.OK

        throwaway_postgres.start()

        # The same services, not restarted: their pools reconnect.
        eventually(
            lambda: token_request(flow, service, grant_type="client_credentials").status_code == 200,
            "client credentials",
        )
        # The refresh attempted during the outage did not consume the token.
        rotated = token_request(
            flow, client, grant_type="refresh_token", refresh_token=tokens["refresh_token"]
        )
        assert rotated.status_code == 200, rotated.text
        assert (
            token_request(
                flow, client, grant_type="refresh_token", refresh_token=rotated.json()["refresh_token"]
            ).status_code
            == 200
        )
        # Nothing written before the outage is lost: the user, the client, the browser's session.
        with flow.browser() as other:
            flow.login(other, user)
        access = sign_in(flow, browser, client)["access_token"]
    described = httpx.post(
        f"{flow.base}/api/v1/oauth/introspect",
        data={"token": access},
        auth=(client.client_id, client.client_secret),
        timeout=30,
    ).json()
    assert described["active"] is True and described["sub"] == user.id
