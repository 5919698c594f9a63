"""Test helpers: a throwaway PostgreSQL database and Redis key prefix per test session.

Real stores, never fakes: tests of adapters and the whole stack use these.
"""

from __future__ import annotations

import os
import pathlib
import secrets
import subprocess
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import psycopg
import redis
from psycopg import sql

from .db_roles import role_url, service_role

ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _with_db(url: str, db: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{db}"


@contextmanager
def postgres_database(label: str = "t") -> Iterator[str]:
    """Create a fresh database, yield its URL (postgresql://…), drop it afterwards, and the
    services' roles made for it (db_roles.service_role: `<database>_<service>`) with it."""
    name = f"authgate_{label}_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_db(ADMIN_URL, name)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            roles = conn.execute("SELECT rolname FROM pg_roles WHERE starts_with(rolname, %s)",
                                 (name + "_",)).fetchall()
            for (role,) in roles:
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def service_role_urls(database_url: str, services: Iterable[str]) -> dict[str, str]:
    """Each service's own role in the database `database_url` names (a random password):
    what `migrate` with DATABASE_ADMIN_URL=`database_url` creates, and the service runs as."""
    return {svc: role_url(database_url, service_role(database_url, svc), secrets.token_urlsafe(24))
            for svc in services}


@contextmanager
def redis_prefix(label: str = "t") -> Iterator[str]:
    """Yield a unique key prefix; delete every key under it afterwards."""
    prefix = f"authgate-test:{label}:{secrets.token_hex(4)}:"
    try:
        yield prefix
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=prefix + "*", count=1000))
        for i in range(0, len(keys), 500):
            client.delete(*keys[i:i + 500])
        client.close()


def spawn_redis_server(port: int, workdir: pathlib.Path, *options: str) -> subprocess.Popen[bytes]:
    """A throwaway `redis-server` on 127.0.0.1:`port` that keeps nothing on disk (a restart
    comes back empty, as a cache-only Redis after a crash), with extra `options`; returns
    once it answers PING. The caller kills it."""
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir), *options],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port, socket_connect_timeout=1)
    deadline = time.monotonic() + 15
    try:
        while True:
            try:
                if client.ping():
                    return proc
            except redis.RedisError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"redis-server on port {port} did not start")
            time.sleep(0.05)
    finally:
        client.close()
