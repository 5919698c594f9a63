"""The admin API's audit trail on in-memory trails: four services merged newest first, the
filters handed to each, pages chained by cursor over every event exactly once (ties on
the same instant included), and a service that cannot answer failing the whole query."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from authgate_common.core.admin_api import Position, encode_cursor
from authgate_common.core.audit import AuditQuery, AuditRecord
from authgate_common.core.errors import InvalidRequest, TemporarilyUnavailable
from token_service.domain.admin.audit import SERVICES, AuditFilter, AuditTrailReader

T0 = datetime(2030, 1, 1, tzinfo=UTC)


class MemoryTrail:
    """AuditLog.query's contract over a list: filters, newest first, `until` exclusive."""

    def __init__(self) -> None:
        self.rows: list[AuditRecord] = []
        self.asked: list[AuditQuery] = []
        self.down = False

    def add(self, at: datetime, type: str = "login.success", subject: str = "u1") -> AuditRecord:  # noqa: A002
        row = AuditRecord(id=len(self.rows) + 1, at=at, type=type, actor="operator", subject=subject,
                          client_id="", sid="", request_id="", source="", details={})
        self.rows.append(row)
        return row

    def query(self, query: AuditQuery) -> list[AuditRecord]:
        self.asked.append(query)
        if self.down:
            raise TemporarilyUnavailable(detail="down")
        q = query.checked()
        prefix = q.type[:-1] if q.type.endswith("*") else None
        hits = [r for r in self.rows
                if (not q.user or r.subject == q.user)
                and (q.since is None or r.at >= q.since) and (q.until is None or r.at < q.until)
                and (r.type.startswith(prefix) if prefix is not None else not q.type or r.type == q.type)]
        return sorted(hits, key=lambda r: (r.at, r.id), reverse=True)[:q.limit]


@pytest.fixture
def trails() -> dict[str, MemoryTrail]:
    return {name: MemoryTrail() for name in SERVICES}


def _all_pages(reader: AuditTrailReader, limit: int, **filters: object) -> list[list[tuple[str, int]]]:
    pages, cursor = [], None
    while True:
        page = reader.query(AuditFilter(limit=limit, cursor=cursor, **filters))  # type: ignore[arg-type]
        pages.append([(e.service, e.record.id) for e in page.events])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


def test_merges_every_service_newest_first(trails) -> None:
    for i, name in enumerate(SERVICES):
        trails[name].add(T0 + timedelta(seconds=i))
    page = AuditTrailReader(trails).query(AuditFilter())
    assert [e.service for e in page.events] == list(reversed(SERVICES)) and page.next_cursor is None


def test_pages_hold_every_event_once_even_when_many_share_an_instant(trails) -> None:
    for n in range(30):
        at = T0 + timedelta(seconds=n // 7)  # runs of the same instant, across services
        trails[SERVICES[n % 4]].add(at)
    reader = AuditTrailReader(trails)
    everything = [(e.service, e.record.id) for e in reader.query(AuditFilter(limit=200)).events]
    for limit in (1, 3, 7, 50):
        pages = _all_pages(reader, limit)
        flat = [e for p in pages for e in p]
        assert flat == everything, limit
        assert all(len(p) <= limit for p in pages)


def test_more_events_of_one_service_at_one_instant_than_the_overlap(trails) -> None:
    for _ in range(60):
        trails["token"].add(T0)
    trails["session"].add(T0 - timedelta(seconds=1))
    pages = _all_pages(AuditTrailReader(trails), 5)
    flat = [e for p in pages for e in p]
    assert flat == [("token", i) for i in range(60, 0, -1)] + [("session", 1)]


def test_filters_reach_every_service(trails) -> None:
    trails["identity"].add(T0, "admin.user.created", "u1")
    trails["identity"].add(T0 + timedelta(seconds=1), "login.failure", "u1")
    trails["session"].add(T0 + timedelta(seconds=2), "admin.session.revoked", "u2")
    reader = AuditTrailReader(trails)
    page = reader.query(AuditFilter(type="admin.*", subject="u1", since=T0, until=T0 + timedelta(hours=1)))
    assert [(e.service, e.record.type) for e in page.events] == [("identity", "admin.user.created")]
    assert {(q.type, q.user) for t in trails.values() for q in t.asked} == {("admin.*", "u1")}


def test_one_service_down_fails_the_query_instead_of_answering_in_part(trails) -> None:
    trails["identity"].add(T0)
    trails["authorization"].down = True
    with pytest.raises(TemporarilyUnavailable) as err:
        AuditTrailReader(trails).query(AuditFilter())
    assert "authorization" in err.value.description


@pytest.mark.parametrize("wanted", [
    AuditFilter(limit=0), AuditFilter(limit=201), AuditFilter(cursor="not-a-cursor"),
    AuditFilter(cursor=encode_cursor(Position(T0, "nosuch:1"))),
    AuditFilter(since=T0 + timedelta(days=1), until=T0), AuditFilter(type="x" * 65)])
def test_bad_input_is_invalid_request(trails, wanted) -> None:
    with pytest.raises(InvalidRequest):
        AuditTrailReader(trails).query(wanted)
