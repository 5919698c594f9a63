"""The shared columns: timestamps read back aware in UTC, ids numbered by the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from authgate_common.columns import serial_id, timestamp
from sqlalchemy import Column, MetaData, String, Table, create_engine, insert, select


def _table() -> Table:
    return Table("things", MetaData(), serial_id(), Column("name", String(16)),
                 timestamp("at"), timestamp("gone_at", nullable=True))


def test_sqlite_timestamps_come_back_aware_and_ids_count_up() -> None:
    things = _table()
    engine = create_engine("sqlite://")
    things.metadata.create_all(engine)
    when = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(insert(things), [{"name": "a", "at": when}, {"name": "b", "at": when}])
        rows = conn.execute(select(things).order_by(things.c.id)).mappings().all()
    assert [r["id"] for r in rows] == [1, 2]
    assert rows[0]["at"] == when and rows[0]["at"].tzinfo is not None
    assert rows[0]["gone_at"] is None
    assert not things.c.at.nullable and things.c.gone_at.nullable


def test_an_aware_value_is_left_as_the_database_gave_it() -> None:
    plus_two = datetime(2024, 5, 1, 14, 30, tzinfo=timezone(timedelta(hours=2)))
    processed = _table().c.at.type.process_result_value(plus_two, create_engine("sqlite://").dialect)
    assert processed is plus_two
