"""The stores going down and coming back (issue 7 §4), on one private stack whose Redis
and PostgreSQL are throwaway servers this module starts, kills and flushes — the shared
ones and the session stack are never touched.

Redis down: validation and ext_authz fail closed (503 / UNAVAILABLE, never 200), login
answers 503 with a clear message, and nothing a revocation could have killed is
accepted; when Redis comes back — empty, it keeps nothing on disk — every service
recovers on its own, and a session or access token revoked before stays revoked
(PostgreSQL is the record), whichever way it was revoked, on both token replicas.

PostgreSQL down: /token and login answer a clear 503 `temporarily_unavailable`, never a
500, and nothing is half written — a refresh attempted in the outage does not consume its
token, a failed login sets no cookie, an authorization request issues no code. When it is
back, the services' pools reconnect on their own (no restart) and nothing written before
is lost.
"""

from __future__ import annotations

import glob
import os
import pathlib
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import grpc
import httpx
import pytest
import redis
from authgate_common.testing import spawn_redis_server
from authgate_devstack.ports import free_port
from flowkit import AppClient, Cli, Flow, pkce_pair, start_stack
from flowkit import validate_on_each_replica as validate  # every token replica

RECOVERY_SECONDS = 60  # generous: a loaded CI machine, not the expected time
PG_BINS = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


@dataclass
class ThrowawayRedis:
    workdir: pathlib.Path
    port: int
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = spawn_redis_server(self.port, self.workdir)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def key_count(self) -> int:
        client = redis.Redis(port=self.port)
        try:
            return int(client.dbsize())  # type: ignore[arg-type]
        finally:
            client.close()

    def flushall(self) -> None:
        client = redis.Redis(port=self.port)
        try:
            client.flushall()
        finally:
            client.close()


@pytest.fixture(scope="module")
def throwaway_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis(tmp_path_factory.mktemp("redis"), free_port())
    server.start()
    try:
        yield server
    finally:
        server.kill()


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
def private(throwaway_redis: ThrowawayRedis, throwaway_postgres: ThrowawayPostgres,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flow]:
    stack = start_stack(
        tmp_path_factory.mktemp("stack"),
        {"DATABASE_URL": throwaway_postgres.url, "REDIS_URL": throwaway_redis.url,
         "REDIS_KEY_PREFIX": "authgate:"},
        None if os.environ.get("AUTHGATE_TEST_REPLICAS") else {"token": 2},
    )
    try:
        yield Flow(stack, Cli(stack))
    finally:
        stack.stop()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def userinfo(flow: Flow, token: str) -> httpx.Response:
    return httpx.get(f"{flow.base}/api/v1/userinfo/me", headers=bearer(token), timeout=30)


def example_api(flow: Flow, token: str) -> httpx.Response:
    return httpx.get(f"{flow.base}/api/v1/example/items", headers=bearer(token), timeout=30)


def device_tokens(flow: Flow, browser: httpx.Client, client: AppClient) -> dict:
    verifier, challenge = pkce_pair()
    resp = flow.exchange(client, flow.code(browser, client, challenge, scope="openid read"), verifier)
    assert resp.status_code == 200, resp.text
    return resp.json()


def refresh(flow: Flow, client: AppClient, token: str) -> httpx.Response:
    return httpx.post(
        f"{flow.base}/api/v1/oauth/token",
        auth=(client.client_id, client.client_secret),
        data={"grant_type": "refresh_token", "refresh_token": token},
        timeout=30,
    )


def eventually(check: Callable[[], bool], what: str, seconds: float = RECOVERY_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"{what}: not within {seconds} s"
        time.sleep(0.25)


def csrf_token(browser: httpx.Client) -> str:
    page = browser.get("/api/v1/sso/login")
    assert page.status_code == 200, page.text
    match = re.search(r'name="csrf_token"\s+value="([^"]+)"', page.text)
    assert match
    return match.group(1)


def test_redis_down_fails_closed_and_recovers_on_its_own(
    private: Flow, throwaway_redis: ThrowawayRedis
) -> None:
    flow, stack = private, private.stack
    user = flow.user()
    client = flow.client("--grant-type", "refresh_token")
    with flow.browser() as laptop, flow.browser() as phone, flow.browser() as tablet:
        flow.login(laptop, user)
        phone_sid = flow.login(phone, user).json()["sid"]
        flow.login(tablet, user)
        live = device_tokens(flow, laptop, client)
        revoked_session = device_tokens(flow, phone, client)
        revoked_jti = device_tokens(flow, tablet, client)
        assert (
            laptop.delete(f"/api/v1/sessions/{phone_sid}", headers={"Origin": flow.base}).status_code == 204
        )
        assert (
            httpx.post(
                f"{flow.base}/api/v1/oauth/revoke",
                data={"token": revoked_jti["access_token"]},
                auth=(client.client_id, client.client_secret),
                timeout=30,
            ).status_code
            == 200
        )
        eventually(
            lambda: userinfo(flow, revoked_session["access_token"]).status_code == 401,
            "the revoked session's token rejected",
        )
        assert userinfo(flow, revoked_jti["access_token"]).status_code == 401
        assert userinfo(flow, live["access_token"]).status_code == 200
        assert throwaway_redis.key_count() > 0  # the stack really keeps its state there

        throwaway_redis.kill()

        # Live token: nobody can tell whether it was revoked, so nobody accepts it.
        resp = userinfo(flow, live["access_token"])
        assert resp.status_code == 503, resp.text
        assert resp.json()["error"] == "temporarily_unavailable"
        assert set(validate(stack, live["access_token"])) == {grpc.StatusCode.UNAVAILABLE}
        assert example_api(flow, live["access_token"]).status_code == 503
        introspected = httpx.post(
            f"{flow.base}/api/v1/oauth/introspect",
            timeout=30,
            data={"token": live["access_token"]},
            auth=(client.client_id, client.client_secret),
        )
        assert introspected.status_code == 503, introspected.text
        # Revoked tokens stay dead, whichever way they were revoked.
        for dead in (revoked_session, revoked_jti):
            assert userinfo(flow, dead["access_token"]).status_code in (401, 503)
            assert example_api(flow, dead["access_token"]).status_code in (401, 503)
            assert grpc.StatusCode.OK not in validate(stack, dead["access_token"])
        resp = refresh(flow, client, revoked_session["refresh_token"])
        assert resp.status_code in (400, 503) and resp.status_code != 200, resp.text

        # Login: a clear 503 for apps and for people, no session cookie, no stack trace.
        with flow.browser() as browser:
            resp = browser.post(
                "/api/v1/sso/login", json={"username": user.username, "password": user.password}
            )
            assert resp.status_code == 503, resp.text
            assert resp.json()["error"] == "temporarily_unavailable"
            assert "sso_session" not in resp.headers.get("set-cookie", "")
            form = browser.post(
                "/api/v1/sso/login",
                data={
                    "username": user.username,
                    "password": user.password,
                    "return_to": "/",
                    "csrf_token": csrf_token(browser),
                },
            )
            assert form.status_code == 503
            assert "unavailable right now" in form.text and "Traceback" not in form.text
            assert "sso_session" not in form.headers.get("set-cookie", "")

        throwaway_redis.start()  # empty: every presence key, counter and deny-list entry is gone

        eventually(lambda: userinfo(flow, live["access_token"]).status_code == 200, "userinfo")
        eventually(
            lambda: set(validate(stack, live["access_token"])) == {grpc.StatusCode.OK},
            "ValidateToken on every replica",
        )
        eventually(lambda: example_api(flow, live["access_token"]).status_code == 200, "ext_authz")
        with flow.browser() as browser:
            eventually(
                lambda: (
                    browser.post(
                        "/api/v1/sso/login", json={"username": user.username, "password": user.password}
                    ).status_code
                    == 200
                ),
                "login",
            )
        # The revoked session's and jti's state lived in PostgreSQL too: an empty Redis
        # cannot revive them.
        for dead in (revoked_session, revoked_jti):
            assert userinfo(flow, dead["access_token"]).status_code == 401
            assert set(validate(stack, dead["access_token"])) == {grpc.StatusCode.UNAUTHENTICATED}
            assert example_api(flow, dead["access_token"]).status_code == 401
        resp = refresh(flow, client, revoked_session["refresh_token"])
        assert resp.status_code == 400 and resp.json()["error"] == "invalid_grant"
        # The live session carries on: its cookie still authorizes, its refresh token rotates.
        assert device_tokens(flow, laptop, client)["access_token"]
        assert refresh(flow, client, live["refresh_token"]).status_code == 200


def revoke(flow: Flow, client: AppClient, token: str) -> None:
    resp = httpx.post(
        f"{flow.base}/api/v1/oauth/revoke",
        data={"token": token},
        auth=(client.client_id, client.client_secret),
        timeout=30,
    )
    assert resp.status_code == 200, resp.text


def introspect(flow: Flow, client: AppClient, token: str) -> httpx.Response:
    return httpx.post(
        f"{flow.base}/api/v1/oauth/introspect",
        data={"token": token},
        auth=(client.client_id, client.client_secret),
        timeout=30,
    )


def test_revoked_access_tokens_stay_revoked_when_redis_loses_its_data(
    private: Flow, throwaway_redis: ThrowawayRedis
) -> None:
    """Issue 7: an access token revoked by its client (RFC 7009), by a replayed code or by a
    reused refresh token is recorded in PostgreSQL, so a Redis emptied while it runs
    (FLUSHALL: no connection drops, nothing looks wrong but the missing keys) is reloaded
    before any token is accepted again, on both token replicas."""
    flow, stack = private, private.stack
    assert len(stack.ports.grpc["token"]) >= 2
    user = flow.user()
    client = flow.client("--grant-type", "refresh_token")
    with flow.browser() as browser:
        flow.login(browser, user)
        revoked = device_tokens(flow, browser, client)
        verifier, challenge = pkce_pair()
        code = flow.code(browser, client, challenge, scope="openid read")
        replayed = flow.exchange(client, code, verifier)
        assert replayed.status_code == 200, replayed.text
        again = flow.exchange(client, code, verifier)
        assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
        reused = device_tokens(flow, browser, client)
        successor = refresh(flow, client, reused["refresh_token"])
        assert successor.status_code == 200, successor.text
        again = refresh(flow, client, reused["refresh_token"])
        assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
        live = device_tokens(flow, browser, client)
    revoke(flow, client, revoked["access_token"])
    dead = {
        "revoked by its client": revoked["access_token"],
        "issued for a replayed code": replayed.json()["access_token"],
        "of a reused refresh token's family": reused["access_token"],
        "the reused token's successor": successor.json()["access_token"],
    }
    for what, token in dead.items():
        assert set(validate(stack, token)) == {grpc.StatusCode.UNAUTHENTICATED}, what

    throwaway_redis.flushall()

    def rejected(token: str) -> bool:
        codes = validate(stack, token)  # every replica; one may wait on the other's reload
        assert grpc.StatusCode.OK not in codes, codes
        return set(codes) == {grpc.StatusCode.UNAUTHENTICATED}

    for what, token in dead.items():
        eventually(lambda token=token: rejected(token), f"the token {what} rejected on every replica")
        assert userinfo(flow, token).status_code == 401, what
        assert example_api(flow, token).status_code == 401, what
        resp = introspect(flow, client, token)
        assert resp.status_code == 200 and resp.json() == {"active": False}, what
    # Nothing revoked stays usable: the live token works on every replica.
    assert set(validate(stack, live["access_token"])) == {grpc.StatusCode.OK}
    assert userinfo(flow, live["access_token"]).status_code == 200
    assert example_api(flow, live["access_token"]).status_code == 200
    assert introspect(flow, client, live["access_token"]).json()["active"] is True
    assert throwaway_redis.key_count() > 0  # the deny-list is back in Redis


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
        tokens = device_tokens(flow, browser, client)

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
        assert set(validate(stack, tokens["access_token"])) == {grpc.StatusCode.OK}

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
        access = device_tokens(flow, browser, client)["access_token"]
    described = httpx.post(
        f"{flow.base}/api/v1/oauth/introspect",
        data={"token": access},
        auth=(client.client_id, client.client_secret),
        timeout=30,
    ).json()
    assert described["active"] is True and described["sub"] == user.id
