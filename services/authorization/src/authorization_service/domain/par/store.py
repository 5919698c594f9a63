"""Where pushed authorization requests wait for /authorize (RFC 9126 §2.2, §4): one record
per request_uri, kept by the keyed hash of its random reference (never the reference
itself), bound to the client that pushed it, short-lived and taken at most once."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

Pairs = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class PushedRequest:
    reference_hash: str
    client_id: str
    pairs: Pairs  # the pushed parameters, in order, without client credentials
    expires_at: datetime


class PushedRequestStore(Protocol):
    def add(self, request: PushedRequest, now: datetime) -> None:
        """Store it (and forget requests that expired before `now`)."""
        ...

    def take(self, reference_hash: str) -> PushedRequest | None:
        """Remove and return the record atomically: a second take of one reference gets None."""
        ...


class MemoryPushedRequests:
    """One replica's store: tests and the embedded default."""

    def __init__(self) -> None:
        self._rows: dict[str, PushedRequest] = {}
        self._lock = threading.Lock()

    def add(self, request: PushedRequest, now: datetime) -> None:
        with self._lock:
            for key in [k for k, r in self._rows.items() if r.expires_at <= now]:
                del self._rows[key]
            self._rows[request.reference_hash] = request

    def take(self, reference_hash: str) -> PushedRequest | None:
        with self._lock:
            return self._rows.pop(reference_hash, None)
