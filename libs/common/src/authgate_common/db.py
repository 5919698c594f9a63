"""Database engine per service: its own PostgreSQL schema, or an embedded SQLite file.

Each service passes its schema name. On PostgreSQL the connection's search_path is
that schema, so tables and the Alembic version table live there and nobody else's
tables are visible; each service signs in as its own role, which owns that schema and
may use no other (db_roles). With DATABASE_URL unset the service uses `VAR_DIR/<schema>.db`.
"""

from __future__ import annotations

import pathlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from .core.errors import TemporarilyUnavailable
from .outages import STORE_OUTAGES
from .settings import BaseServiceSettings


def database_url(url: str | None, schema: str, var_dir: str) -> str:
    if not url:
        path = pathlib.Path(var_dir).resolve()
        path.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path / (schema + '.db')}"
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str | None, schema: str, var_dir: str = "var", pool_size: int = 10,
                max_overflow: int = 10) -> Engine:
    full = database_url(url, schema, var_dir)
    if full.startswith("sqlite"):
        engine = create_engine(full, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(
        full,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=True,
        pool_timeout=5,
        pool_recycle=1800,
        connect_args={"options": f"-csearch_path={schema}", "connect_timeout": 5},
    )


def service_engine(settings: BaseServiceSettings, schema: str) -> Engine:
    """The engine of one service's schema, sized by the common settings."""
    return make_engine(settings.DATABASE_URL, schema, settings.VAR_DIR,
                       pool_size=settings.DB_POOL_SIZE, max_overflow=settings.DB_POOL_MAX_OVERFLOW)


def migrate_service(settings: BaseServiceSettings, schema: str, script_location: str) -> None:
    """`python -m <svc>_service migrate`: its migrations, on a short-lived engine, as the
    service's own role; with DATABASE_ADMIN_URL set, that role and its schema are set up
    first (authgate_common.db_roles)."""
    if settings.DATABASE_ADMIN_URL and settings.DATABASE_URL:
        from .db_roles import provision_service_role  # imports psycopg: PostgreSQL installs only

        provision_service_role(settings.DATABASE_ADMIN_URL, settings.DATABASE_URL, schema)
    engine = service_engine(settings, schema)
    try:
        run_migrations(engine, schema, script_location)
    finally:
        engine.dispose()


def ensure_schema(engine: Engine, schema: str) -> None:
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            # Even IF NOT EXISTS takes CREATE on the database, which a service's role lacks.
            found = conn.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = :schema"),
                                 {"schema": schema}).first()
            if found is None:
                conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))


def run_migrations(engine: Engine, schema: str, script_location: str) -> None:
    """Apply the service's Alembic migrations to head, in its own schema."""
    from alembic import command
    from alembic.config import Config

    ensure_schema(engine, schema)
    cfg = Config()
    cfg.set_main_option("script_location", script_location)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class UnitOfWork:
    """The use case owns the transaction; repositories never commit.

    A database that cannot be reached ends the transaction (rolled back, nothing half
    written) with TemporarilyUnavailable, which the use case and its transport can handle
    like any other OAuthError.
    """

    def __init__(self, engine: Engine) -> None:
        self._factory = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def __call__(self) -> Iterator[Session]:
        try:
            with self._factory.begin() as session:
                yield session
        except STORE_OUTAGES as exc:
            raise TemporarilyUnavailable(detail=f"database unavailable: {type(exc).__name__}") from exc


R = TypeVar("R")


class RepositoryUnitOfWork(Generic[R]):
    """A service's unit of work: each `with` is one transaction (UnitOfWork) and yields the
    service's repositories bound to it, built by `repositories` from the session.

    `conflict`, when given, is the error a unique-key violation becomes (two inserts of one
    key racing past the existence check); without it the IntegrityError propagates.
    """

    def __init__(self, engine: Engine, repositories: Callable[[Session], R],
                 conflict: Callable[[IntegrityError], Exception] | None = None) -> None:
        self._uow = UnitOfWork(engine)
        self._repositories = repositories
        self._conflict = conflict

    @contextmanager
    def __call__(self) -> Iterator[R]:
        try:
            with self._uow() as session:
                yield self._repositories(session)
        except IntegrityError as exc:
            if self._conflict is None:
                raise
            raise self._conflict(exc) from exc


@dataclass(frozen=True)
class ServiceDatabase:
    """One service's database: its schema and its Alembic migrations folder."""

    schema: str
    migrations: pathlib.Path

    def engine(self, settings: BaseServiceSettings) -> Engine:
        return service_engine(settings, self.schema)

    def migrate(self, settings: BaseServiceSettings) -> None:
        migrate_service(settings, self.schema, str(self.migrations))
