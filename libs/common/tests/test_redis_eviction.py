"""A Redis that may evict keys could drop a revocation: the services refuse to start on one.

Throwaway redis-server processes on free ports with the settings under test; the shared
Redis is only read.
"""

from __future__ import annotations

import logging
import os
import pathlib
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest
from authgate_common.kv import require_no_eviction
from authgate_common.testing import REDIS_URL, spawn_redis_server
from authgate_devstack.ports import free_port

LOG = logging.getLogger("test_redis_eviction")



@pytest.fixture
def redis_server(tmp_path: pathlib.Path) -> Iterator[Callable[..., str]]:
    procs: list[subprocess.Popen[bytes]] = []

    def start(*options: str) -> str:
        port = free_port()
        procs.append(spawn_redis_server(port, tmp_path, *options))
        return f"redis://127.0.0.1:{port}/0"

    yield start
    for proc in procs:
        proc.kill()
        proc.wait(10)


def test_an_evicting_policy_stops_the_service_with_the_reason(
        redis_server: Callable[..., str], caplog: pytest.LogCaptureFixture) -> None:
    url = redis_server("--maxmemory-policy", "allkeys-lru")
    with pytest.raises(SystemExit) as stopped:
        require_no_eviction(url, LOG)
    assert stopped.value.code == 2
    assert "'allkeys-lru'" in caplog.text and "noeviction" in caplog.text


def test_noeviction_passes(caplog: pytest.LogCaptureFixture) -> None:
    require_no_eviction(REDIS_URL, LOG)  # the shared Redis keeps Redis's default
    require_no_eviction(None, LOG)  # no Redis at all (embedded mode)
    assert caplog.text == ""


def test_a_policy_that_cannot_be_read_is_logged_and_the_service_starts(
        redis_server: Callable[..., str], caplog: pytest.LogCaptureFixture) -> None:
    require_no_eviction(redis_server("--rename-command", "CONFIG", ""), LOG)  # as some managed offerings
    require_no_eviction(f"redis://127.0.0.1:{free_port()}/0", LOG)  # not up yet
    assert "could not read Redis maxmemory-policy" in caplog.text
    assert "Redis not reachable at start" in caplog.text


def test_the_token_service_refuses_to_serve_on_an_evicting_redis(
        redis_server: Callable[..., str], tmp_path: pathlib.Path) -> None:
    url = redis_server("--maxmemory-policy", "volatile-ttl")
    env = {**os.environ, "REDIS_URL": url, "VAR_DIR": str(tmp_path), "ENVIRONMENT": "development",
           "TOKEN_HTTP_PORT": str(free_port()), "TOKEN_GRPC_PORT": str(free_port()),
           "TOKEN_METRICS_PORT": "0", "SECRET_KEY": secrets.token_urlsafe(32)}
    env.pop("DATABASE_URL", None)
    proc = subprocess.run([sys.executable, "-m", "token_service", "serve"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "maxmemory-policy is 'volatile-ttl'" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
