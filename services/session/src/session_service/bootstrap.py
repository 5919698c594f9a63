"""The composition root: settings in, a wired session service out. Nothing happens at import."""

from __future__ import annotations

import pathlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import grpc
from authgate_common.crypto import derive_key
from authgate_common.db import make_engine, run_migrations
from authgate_common.kv import KeyValueStore, make_store
from fastapi import FastAPI
from sqlalchemy import Engine

from .adapters.presence import KvPresence
from .adapters.repository import SqlUnitOfWork
from .domain.context import Deps
from .domain.model import Policy
from .domain.ports import Clock, UnitOfWork
from .entrypoints.grpc_api import registrar
from .entrypoints.http_api import create_http_app
from .settings import Settings

SCHEMA = "session"
MIGRATIONS = pathlib.Path(__file__).parent / "migrations"
TOKEN_KEY_PURPOSE = "session/token"


@dataclass
class SessionService:
    deps: Deps
    store: KeyValueStore
    http_app: FastAPI
    register: Callable[[grpc.Server], None]
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for close in self.closers:
            close()


def engine_for(settings: Settings) -> Engine:
    return make_engine(settings.DATABASE_URL, SCHEMA, settings.VAR_DIR,
                       pool_size=settings.DB_POOL_SIZE, max_overflow=settings.DB_POOL_MAX_OVERFLOW)


def migrate(settings: Settings) -> None:
    engine = engine_for(settings)
    try:
        run_migrations(engine, SCHEMA, str(MIGRATIONS))
    finally:
        engine.dispose()


def utc_now() -> datetime:
    return datetime.now(UTC)


def build(settings: Settings, *, uow: UnitOfWork, store: KeyValueStore,
          clock: Clock = utc_now) -> SessionService:
    """Wire the core and transports from already-built adapters (tests call this too)."""
    policy = Policy(lifetime=timedelta(seconds=settings.SESSION_LIFETIME_SECONDS),
                    idle_timeout=timedelta(seconds=settings.SESSION_IDLE_TIMEOUT_SECONDS),
                    last_seen_write_interval=timedelta(
                        seconds=settings.SESSION_LAST_SEEN_WRITE_INTERVAL_SECONDS))
    deps = Deps(uow=uow, presence=KvPresence(store), clock=clock, policy=policy,
                token_key=derive_key(settings.SECRET_KEY, TOKEN_KEY_PURPOSE))
    return SessionService(deps=deps, store=store, register=registrar(deps),
                          http_app=create_http_app(settings.MAX_BODY_BYTES))


def bootstrap(settings: Settings) -> SessionService:
    engine = engine_for(settings)
    store = make_store(settings.REDIS_URL, settings.REDIS_KEY_PREFIX + "session:")
    service = build(settings, uow=SqlUnitOfWork(engine), store=store)
    service.closers.append(engine.dispose)
    return service
