"""Human output (aligned records, tables) or, with --json, machine output.

Results go to stdout; errors go to stderr, as RFC 6749 §5.2-shaped JSON
(`error`, `error_description`) when --json is on, so scripts parse both alike.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp


def timestamp(ts: Timestamp) -> str | None:
    if ts.seconds == 0 and ts.nanos == 0:
        return None  # unset in proto3
    return datetime.fromtimestamp(ts.seconds + ts.nanos / 1e9, UTC).isoformat().replace("+00:00", "Z")


def message_dict(message: Message, *names: str) -> dict[str, Any]:
    """The named fields of a gRPC message, in that order, as JSON-ready values: a repeated
    field as a list, a timestamp as ISO 8601 UTC text (None when unset)."""
    return {name: _plain(getattr(message, name)) for name in names}


def _plain(value: Any) -> Any:
    if isinstance(value, Timestamp):
        return timestamp(value)
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return list(value)
    return value


def _text(value: Any, sep: str = " ") -> str:
    if value is None or value == "" or value == []:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return sep.join(str(v) for v in value)
    return str(value)


class Output:
    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def record(self, data: dict[str, Any], fields: Sequence[str]) -> None:
        """One object: all of it as JSON, or the listed fields as `key: value` lines."""
        if self.as_json:
            self._json(data)
            return
        width = max(len(f) for f in fields)
        for field in fields:
            print(f"{field + ':':<{width + 1}} {_text(data.get(field))}")

    def table(self, rows: list[dict[str, Any]], columns: Sequence[str]) -> None:
        """Many objects: a JSON array of all of them, or the listed columns as a table.

        Lists are comma-joined so that columns stay split by whitespace alone.
        """
        if self.as_json:
            self._json(rows)
            return
        cells = [[c.upper() for c in columns]] + [[_text(r.get(c), ",") for c in columns] for r in rows]
        widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
        for row in cells:
            print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())

    def note(self, text: str) -> None:
        """A line for humans only; JSON output stays a single document."""
        if not self.as_json:
            print(text)

    def error(self, code: str, description: str) -> None:
        if self.as_json:
            print(json.dumps({"error": code, "error_description": description}), file=sys.stderr)
        else:
            print(f"authgate: {code}: {description}", file=sys.stderr)

    @staticmethod
    def _json(data: Any) -> None:
        print(json.dumps(data, indent=2, ensure_ascii=False))
