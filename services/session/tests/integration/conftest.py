"""Real PostgreSQL and Redis, the real servicer on port 0, reached through generated stubs."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
import redis
from authgate.session.v1 import session_pb2_grpc as pb_grpc
from authgate_common.core.crypto import derive_key, keyed_hash
from authgate_common.db import make_engine
from authgate_common.grpc_server import create_server
from authgate_common.testing import REDIS_URL, postgres_database, redis_prefix
from session_service.bootstrap import SCHEMA, SessionService, bootstrap, migrate
from session_service.entrypoints.grpc_api import SERVICE_NAME
from session_service.settings import Settings
from sqlalchemy import Engine, text


@dataclass(frozen=True)
class Stores:
    """One database and key prefix shared by every replica of a test session."""

    database_url: str
    key_prefix: str
    secret: str

    def settings(self, **overrides: Any) -> Settings:
        return Settings(_env_file=None, GRPC_INSECURE_PLAINTEXT=True,  # type: ignore[call-arg]
                        DATABASE_URL=self.database_url, REDIS_URL=REDIS_URL,
                        REDIS_KEY_PREFIX=self.key_prefix, SECRET_KEY=self.secret, **overrides)


@dataclass
class Replica:
    service: SessionService
    settings: Settings
    server: grpc.Server
    port: int

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"


ReplicaFactory = Callable[..., AbstractContextManager[Replica]]


@pytest.fixture(scope="session")
def stores() -> Iterator[Stores]:
    with postgres_database("session") as url, redis_prefix("session") as prefix:
        s = Stores(url, prefix, secrets.token_urlsafe(32))
        migrate(s.settings())
        yield s


@pytest.fixture
def replica(stores: Stores) -> ReplicaFactory:
    """A session-service replica on the shared stores: bootstrap + gRPC server (port 0 or given)."""

    @contextmanager
    def start(port: int = 0, **overrides: Any) -> Iterator[Replica]:
        settings = stores.settings(**overrides)
        service = bootstrap(settings)
        server, bound, _ = create_server(port, service.register, service_names=[SERVICE_NAME],
                                         host="127.0.0.1")
        try:
            yield Replica(service, settings, server, bound)
        finally:
            server.stop(None)
            service.close()

    return start


@dataclass
class Harness:
    service: SessionService
    settings: Settings
    stub: pb_grpc.SessionServiceStub
    redis: redis.Redis
    engine: Engine
    target: str

    @property
    def key_prefix(self) -> str:
        return self.settings.REDIS_KEY_PREFIX + "session:"

    def token_hash(self, token: str) -> str:
        return keyed_hash(derive_key(self.settings.SECRET_KEY, "session/token"), token)

    def flush_presence(self) -> int:
        """What a Redis restart does to us: every key under our prefix is gone."""
        keys = list(self.redis.scan_iter(match=self.settings.REDIS_KEY_PREFIX + "*", count=1000))
        if keys:
            self.redis.delete(*keys)
        return len(keys)

    def rows(self) -> list[tuple[object, ...]]:
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text("SELECT * FROM sessions"))]


@pytest.fixture(scope="session")
def harness(stores: Stores) -> Iterator[Harness]:
    settings = stores.settings()
    service = bootstrap(settings)
    server, port, _ = create_server(0, service.register, service_names=[SERVICE_NAME],
                                    host="127.0.0.1")
    engine = make_engine(stores.database_url, SCHEMA)
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    target = f"127.0.0.1:{port}"
    try:
        with grpc.insecure_channel(target) as channel:
            yield Harness(service, settings, pb_grpc.SessionServiceStub(channel), client,
                          engine, target)
    finally:
        server.stop(None)
        service.close()
        engine.dispose()
        client.close()


@pytest.fixture
def user_id() -> str:
    return "user-" + secrets.token_hex(4)
