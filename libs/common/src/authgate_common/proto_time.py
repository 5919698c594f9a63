"""Datetimes on the wire: the one conversion every servicer and the CLI use to fill a
google.protobuf.Timestamp field."""

from __future__ import annotations

from datetime import datetime
from typing import overload

from google.protobuf.timestamp_pb2 import Timestamp


@overload
def timestamp(value: datetime) -> Timestamp: ...
@overload
def timestamp(value: datetime | None) -> Timestamp | None: ...
def timestamp(value: datetime | None) -> Timestamp | None:
    """An aware datetime as a Timestamp (a naive one is taken as UTC); None leaves the
    message field unset."""
    if value is None:
        return None
    ts = Timestamp()
    ts.FromDatetime(value)
    return ts
