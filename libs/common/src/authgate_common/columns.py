"""Column types and columns every service's tables share (`<svc>_service.adapters.tables`).

Timestamps are stored in UTC and read back aware: SQLite hands them back without a zone,
so `UtcDateTime` gives the zone back on the way out (PostgreSQL's timestamptz arrives
aware already and is left as it is). Repositories then map rows without converting.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Dialect, Integer
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """`DateTime(timezone=True)` that never reads back a naive value (SQLite's)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


def timestamp(name: str, *, nullable: bool = False) -> Column[datetime]:
    """A UTC timestamp column, NOT NULL unless `nullable`."""
    return Column(name, UtcDateTime(), nullable=nullable)


def serial_id(name: str = "id") -> Column[Any]:
    """A surrogate key numbered by the database: BIGINT on PostgreSQL, and on SQLite the
    INTEGER PRIMARY KEY that is its rowid (only that autoincrements there)."""
    return Column(name, BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True)
