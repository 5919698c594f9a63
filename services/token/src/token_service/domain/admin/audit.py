"""The admin API's audit trail: the four services' trails, merged by time, newest first.

Each service keeps its own trail (core.audit); the token service reads its own directly
and asks identity, session and authorization (AuditService.ListAuditEvents) at once, with
the same filters. If one cannot answer, the whole query fails (503): a trail with a
service's events silently missing would read as "nothing happened there".

Paging: a page ends at an event's position (time, service, row id) and the next page
holds the events strictly older, so events recorded meanwhile neither shift nor repeat
the others. Each service is asked for its newest events up to the position (its `until`
is exclusive, so a few more than the page: those at the position's very microsecond that
were shown already are dropped here, and a service with more than that at one instant is
asked again for as many as it gives); the page never reaches below what some service left
unsaid, so it is short rather than wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from authgate_common.core.admin_api import DEFAULT_PAGE, Position, check_limit, decode_cursor, encode_cursor
from authgate_common.core.audit import MAX_LIMIT, AuditQuery, AuditRecord
from authgate_common.core.errors import InvalidRequest, OAuthError, TemporarilyUnavailable

SERVICES = ("identity", "session", "authorization", "token")
# A cursor's id: the service and its row id.
EVENT_ID = re.compile(r"(?:identity|session|authorization|token):\d{1,19}")
# How many more than the page each service is asked for (events at the cursor's instant).
OVERLAP = 16
_MICROSECOND = timedelta(microseconds=1)


class AuditSource(Protocol):
    """One service's trail (authgate_common.audit_store.AuditLog, or its gRPC service)."""

    def query(self, query: AuditQuery) -> list[AuditRecord]: ...


@dataclass(frozen=True)
class AuditFilter:
    type: str = ""  # exact, or a prefix ending in "*"
    subject: str = ""  # the user the events are about
    actor: str = ""  # who did it: "client:<id>", "operator", a user id
    client_id: str = ""
    since: datetime | None = None
    until: datetime | None = None
    limit: int = DEFAULT_PAGE
    cursor: str | None = None


@dataclass(frozen=True)
class ServiceEvent:
    service: str
    record: AuditRecord

    @property
    def key(self) -> tuple[datetime, str, int]:
        return (self.record.at, self.service, self.record.id)


@dataclass(frozen=True)
class AuditPage:
    events: list[ServiceEvent]
    next_cursor: str | None = None


def _cursor_of(event: ServiceEvent) -> str:
    return encode_cursor(Position(event.record.at, f"{event.service}:{event.record.id}"))


def _position(cursor: str) -> tuple[datetime, str, int]:
    position = decode_cursor(cursor, EVENT_ID)
    service, _, row = position.id.partition(":")
    return (position.created_at, service, int(row))


class AuditTrailReader:
    def __init__(self, sources: Mapping[str, AuditSource],
                 pool: Callable[[int], ThreadPoolExecutor] = ThreadPoolExecutor) -> None:
        self._sources = dict(sources)
        self._pool = pool

    def query(self, wanted: AuditFilter) -> AuditPage:
        check_limit(wanted.limit)
        AuditQuery(user=wanted.subject, type=wanted.type, since=wanted.since, until=wanted.until,
                   actor=wanted.actor, client_id=wanted.client_id).checked()
        after = _position(wanted.cursor) if wanted.cursor else None
        until = wanted.until
        if after is not None:
            bound = after[0] + _MICROSECOND  # `until` is exclusive: the cursor's instant too
            until = bound if until is None else min(until, bound)
            if wanted.since is not None and wanted.since > until:
                return AuditPage([])  # nothing older than the cursor is left in the window
        asked = wanted.limit + 1 + (OVERLAP if after is not None else 0)
        query = AuditQuery(user=wanted.subject, type=wanted.type, since=wanted.since, until=until,
                           limit=asked, actor=wanted.actor, client_id=wanted.client_id)
        answers = self._ask(self._sources, query)
        if after is not None:
            # A service whose whole answer was at the cursor's instant and shown already
            # (more than OVERLAP events in one microsecond): asked again, for as many as it gives.
            stuck = {name: self._sources[name] for name, records in answers.items()
                     if len(records) >= asked and all(ServiceEvent(name, r).key >= after for r in records)}
            if stuck:
                asked = MAX_LIMIT
                answers.update(self._ask(stuck, replace(query, limit=asked)))
        events: list[ServiceEvent] = []
        floor: tuple[datetime, str, int] | None = None  # below this some service said nothing
        for service, records in answers.items():
            mine = [ServiceEvent(service, r) for r in records]
            if len(records) >= asked and mine:
                oldest = min(e.key for e in mine)
                floor = oldest if floor is None else max(floor, oldest)
            events += [e for e in mine if after is None or e.key < after]
        events.sort(key=lambda e: e.key, reverse=True)
        if floor is not None:
            events = [e for e in events if e.key >= floor]
        page = events[:wanted.limit]
        more = len(events) > wanted.limit or (floor is not None and bool(page))
        return AuditPage(page, _cursor_of(page[-1]) if more else None)

    def _ask(self, sources: Mapping[str, AuditSource], query: AuditQuery) -> dict[str, Sequence[AuditRecord]]:
        with self._pool(len(sources)) as pool:
            pending = {name: pool.submit(source.query, query) for name, source in sources.items()}
        answers: dict[str, Sequence[AuditRecord]] = {}
        for name, future in pending.items():
            try:
                answers[name] = future.result()
            except InvalidRequest:
                raise
            except OAuthError as exc:
                raise TemporarilyUnavailable(
                    f"The {name} service's audit trail could not be read; try again.",
                    detail=str(exc)) from exc
        return answers
