"""The shared audit trail on real PostgreSQL (and the embedded SQLite): rows written in the
caller's transaction, never a secret, never updated, found by user/time/type, pruned in
bounded batches, served over gRPC."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from authgate.audit.v1 import audit_pb2 as pb
from authgate.audit.v1 import audit_pb2_grpc as pb_grpc
from authgate_common import request_id
from authgate_common.audit_buffer import BufferedAuditLog
from authgate_common.audit_schema import audit_events, create_table_v1, drop_table_v1
from authgate_common.audit_service import AuditTrailService, RetentionJob
from authgate_common.audit_store import AuditLog, SqlAuditTrail
from authgate_common.core.audit import AuditEvent, AuditQuery, current_source
from authgate_common.core.errors import InvalidRequest
from authgate_common.db import ensure_schema, make_engine
from authgate_common.grpc_server import create_server
from authgate_common.http import create_app
from authgate_common.settings import BaseServiceSettings
from authgate_common.testing import postgres_database
from fastapi.testclient import TestClient
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import Engine, delete, select, text, update
from sqlalchemy.exc import DBAPIError

SCHEMA = "audited"
T0 = datetime(2030, 1, 1, tzinfo=UTC)


def _migrate(engine: Engine) -> None:
    ensure_schema(engine, SCHEMA)
    with engine.begin() as conn:
        create_table_v1(Operations(MigrationContext.configure(conn)))


@pytest.fixture(scope="module")
def pg_engine() -> Iterator[Engine]:
    with postgres_database("audit") as url:
        engine = make_engine(url, SCHEMA)
        _migrate(engine)
        yield engine
        engine.dispose()


@pytest.fixture
def engine(pg_engine: Engine) -> Engine:
    with pg_engine.begin() as conn:
        conn.execute(delete(audit_events))
    return pg_engine


def _rows(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(audit_events).order_by(audit_events.c.id)).mappings()]


def test_a_row_commits_or_rolls_back_with_the_change_it_records(engine: Engine) -> None:
    with pytest.raises(RuntimeError), engine.begin() as conn:
        SqlAuditTrail(conn).record(AuditEvent("user.created", subject="u-rolled-back"))
        raise RuntimeError("the change failed")
    with engine.begin() as conn:
        SqlAuditTrail(conn).record(AuditEvent("user.created", subject="u-1", actor="operator"))
    assert [(r["type"], r["subject"], r["actor"]) for r in _rows(engine)] == [
        ("user.created", "u-1", "operator")
    ]


def test_request_id_and_source_come_from_the_request_unless_given(engine: Engine) -> None:
    rid, src = request_id.current.set("req-42"), current_source.set("203.0.113.9")
    try:
        log = AuditLog(engine)
        log.record(AuditEvent("login.failure", subject="u-1"))
        log.record(AuditEvent("session.created", subject="u-1", sid="s-1", source="198.51.100.7"))
    finally:
        request_id.current.reset(rid)
        current_source.reset(src)
    AuditLog(engine).record(AuditEvent("key.rotated", actor="system"))
    assert [(r["request_id"], r["source"]) for r in _rows(engine)] == [
        ("req-42", "203.0.113.9"),
        ("req-42", "198.51.100.7"),
        ("", ""),
    ]


def test_details_never_keep_a_secret(engine: Engine) -> None:
    secrets = {
        "password": "hunter2-pw",
        "client_secret": "cs-XYZ",
        "refresh_token": "rt-ABC",
        "code": "code-123",
        "code_verifier": "ver-456",
        "Cookie": "sso=abc",
        "id_token": "eyJ.x.y",
        "authorization": "Basic Zm9v",
        "password_hash": "$2b$12$abc",
        "private_key": "-----BEGIN",
    }
    AuditLog(engine).record(
        AuditEvent(
            "token.issued",
            details={
                **secrets,
                "grant_type": "refresh_token",
                "scope": ["openid", "read"],
                "jti": "j-1",
                "nested": {"password": "hunter2-nested"},
                "long": "x" * 1000,
            },
        )
    )
    row = _rows(engine)[0]
    stored = json.dumps(row, default=str)
    for value in [*secrets.values()]:
        assert value not in stored
    assert row["details"]["grant_type"] == "refresh_token" and row["details"]["scope"] == ["openid", "read"]
    assert row["details"]["jti"] == "j-1" and len(row["details"]["long"]) == 256
    assert set(row["details"]) == {"grant_type", "scope", "jti", "nested", "long"}


def test_details_too_big_are_replaced_not_stored(engine: Engine) -> None:
    AuditLog(engine).record(AuditEvent("x.big", details={f"k{i}": "v" * 200 for i in range(40)}))
    assert _rows(engine)[0]["details"] == {"truncated": True}


def test_postgresql_refuses_to_update_an_audit_row_but_retention_may_delete(engine: Engine) -> None:
    AuditLog(engine).record(AuditEvent("login.success", subject="u-1"))
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(update(audit_events).values(subject="someone-else"))
    assert _rows(engine)[0]["subject"] == "u-1"
    with engine.begin() as conn:
        conn.execute(delete(audit_events))
    assert _rows(engine) == []


def _at(engine: Engine, minutes: int, type_: str, subject: str = "u-1") -> None:
    AuditLog(engine, clock=lambda: T0 + timedelta(minutes=minutes)).record(AuditEvent(type_, subject=subject))


def test_query_filters_by_user_time_and_type_newest_first(engine: Engine) -> None:
    for minutes, type_, subject in [
        (0, "login.failure", "u-1"),
        (1, "login.success", "u-1"),
        (2, "login.failure", "u-2"),
        (3, "session.created", "u-1"),
        (4, "token.refreshXreuse", "u-1"),
        (5, "token.refresh_reuse", "u-1"),
    ]:
        _at(engine, minutes, type_, subject)
    log = AuditLog(engine)

    def types(**q: object) -> list[str]:
        return [r.type for r in log.query(AuditQuery(**q))]  # type: ignore[arg-type]

    assert types(user="u-1") == [
        "token.refresh_reuse",
        "token.refreshXreuse",
        "session.created",
        "login.success",
        "login.failure",
    ]
    assert types(user="u-1", type="login.failure") == ["login.failure"]
    assert types(user="u-1", type="login.*") == ["login.success", "login.failure"]
    # `_` in a prefix is literal, not a LIKE wildcard.
    assert types(type="token.refresh_*") == ["token.refresh_reuse"]
    assert types(since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=3)) == [
        "login.failure",
        "login.success",
    ]
    assert types(user="u-1", limit=2) == ["token.refresh_reuse", "token.refreshXreuse"]
    assert log.query(AuditQuery(user="u-2"))[0].at == T0 + timedelta(minutes=2)
    with pytest.raises(InvalidRequest):
        log.query(AuditQuery(since=T0, until=T0 - timedelta(seconds=1)))


def test_query_filters_by_actor_and_client_exactly(engine: Engine) -> None:
    log = AuditLog(engine)
    log.record(AuditEvent("admin.user.created", "u-1", "client:ops", client_id="ops"))
    log.record(AuditEvent("user.created", "u-2", "operator"))
    log.record(AuditEvent("token.issued", "u-1", "u-1", client_id="web"))
    log.record(AuditEvent("client.updated", "", "operator", client_id="ops"))

    def types(**q: str) -> list[str]:
        return sorted(r.type for r in log.query(AuditQuery(**q)))  # type: ignore[arg-type]

    assert types(actor="client:ops") == ["admin.user.created"]
    assert types(actor="operator") == ["client.updated", "user.created"]
    assert types(client_id="ops") == ["admin.user.created", "client.updated"]
    assert types(actor="operator", client_id="ops") == ["client.updated"]
    assert types(actor="client:op") == []  # exact, never a prefix
    with pytest.raises(InvalidRequest):
        log.query(AuditQuery(actor="x" * 256))


def test_prune_deletes_only_old_rows_in_bounded_batches(engine: Engine) -> None:
    for minutes in range(5):
        _at(engine, minutes, "old.event")
    _at(engine, 60 * 24 * 400, "new.event")
    log = AuditLog(engine)
    cutoff = T0 + timedelta(days=1)
    assert log.prune(cutoff, batch=2, max_batches=2) == 4
    assert log.prune(cutoff, batch=2, max_batches=2) == 1
    assert [r["type"] for r in _rows(engine)] == ["new.event"]


def test_retention_job_keeps_what_is_younger_than_the_retention(engine: Engine) -> None:
    _at(engine, 0, "ancient")
    _at(engine, 60 * 24 * 300, "recent")
    job = RetentionJob(AuditLog(engine), timedelta(days=365), 3600, clock=lambda: T0 + timedelta(days=366))
    assert job.run_once() == 1
    assert [r["type"] for r in _rows(engine)] == ["recent"]


@pytest.fixture
def audit_stub(engine: Engine) -> Iterator[pb_grpc.AuditServiceStub]:
    settings = BaseServiceSettings(_env_file=None, SECRET_KEY=secrets.token_urlsafe(32))  # type: ignore[call-arg]
    audit = AuditTrailService(engine, "identity", settings)
    server, port, _ = create_server(0, audit.register, service_names=[], host="127.0.0.1")
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield pb_grpc.AuditServiceStub(channel)
    channel.close()
    server.stop(None)


def _ts(value: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(value)
    return ts


def test_list_audit_events_over_grpc(engine: Engine, audit_stub: pb_grpc.AuditServiceStub) -> None:
    _at(engine, 0, "login.failure")
    _at(engine, 1, "login.success")
    _at(engine, 2, "login.success", subject="u-2")
    got = audit_stub.ListAuditEvents(
        pb.ListAuditEventsRequest(user="u-1", since=_ts(T0 + timedelta(seconds=30))), timeout=5
    )
    assert [(e.type, e.subject, e.service) for e in got.events] == [("login.success", "u-1", "identity")]
    assert got.events[0].time.ToDatetime(UTC) == T0 + timedelta(minutes=1)
    assert json.loads(got.events[0].details_json) == {}
    with pytest.raises(grpc.RpcError) as err:
        audit_stub.ListAuditEvents(
            pb.ListAuditEventsRequest(since=_ts(T0), until=_ts(T0 - timedelta(days=1))), timeout=5
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_http_requests_give_rows_their_client_address(engine: Engine) -> None:
    app = create_app("t")
    log = AuditLog(engine)

    @app.post("/act")
    def act() -> dict[str, str]:
        log.record(AuditEvent("thing.done"))
        return {}

    with TestClient(app) as http:
        http.post("/act", headers={"x-envoy-external-address": "192.0.2.44", "x-request-id": "rid-7"})
    row = _rows(engine)[0]
    assert (row["source"], row["request_id"]) == ("192.0.2.44", "rid-7")


def test_the_embedded_sqlite_trail_is_append_only_too(tmp_path) -> None:
    engine = make_engine(None, "audited", str(tmp_path))
    _migrate(engine)
    _at(engine, 0, "login.success")
    assert [r.type for r in AuditLog(engine).query(AuditQuery(user="u-1", since=T0))] == ["login.success"]
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(update(audit_events).values(subject="x"))
    assert AuditLog(engine).prune(T0 + timedelta(days=1)) == 1
    with engine.begin() as conn:
        drop_table_v1(Operations(MigrationContext.configure(conn)))
        assert (
            conn.execute(text("SELECT count(*) FROM sqlite_master WHERE name = 'audit_events'")).scalar() == 0
        )
    engine.dispose()


def test_a_standalone_event_the_store_cannot_take_is_logged_not_raised(caplog) -> None:
    engine = make_engine("postgresql://postgres@127.0.0.1:1/nowhere", SCHEMA)  # nothing listens
    with caplog.at_level("WARNING", logger="authgate_common.core.audit"):
        AuditLog(engine).record(AuditEvent("token.issued", subject="u-1", details={"jti": "j-9"}))
    assert "token.issued" in caplog.text and "not stored" in caplog.text
    engine.dispose()


def test_a_change_and_its_row_fail_together(engine: Engine) -> None:
    with pytest.raises(DBAPIError), engine.begin() as conn:
        SqlAuditTrail(conn).record(AuditEvent("client.created", client_id="web"))
        conn.execute(text("SELECT * FROM no_such_table"))  # the change itself fails
    assert _rows(engine) == []


def test_buffered_rows_keep_their_request_context_and_land_in_batches(engine: Engine) -> None:
    log = BufferedAuditLog(engine, flush_seconds=3600)  # only explicit flushes here
    rid, src = request_id.current.set("req-7"), current_source.set("203.0.113.5")
    try:
        for i in range(5):
            log.record(AuditEvent("token.issued", subject=f"u-{i}", details={"jti": f"j-{i}"}))
    finally:
        request_id.current.reset(rid)
        current_source.reset(src)
    assert _rows(engine) == []  # queued, not written yet
    newest_first = [r.subject for r in log.query(AuditQuery(type="token.issued"))]
    assert newest_first == [f"u-{i}" for i in reversed(range(5))]
    rows = _rows(engine)
    assert {(r["request_id"], r["source"]) for r in rows} == {("req-7", "203.0.113.5")}
    log.record(AuditEvent("token.issued", subject="u-last"))
    log.close()  # shutdown writes what is left
    assert _rows(engine)[-1]["subject"] == "u-last"


def test_buffered_rows_reach_postgresql_exactly_as_a_standalone_row_would(engine: Engine) -> None:
    # The buffered writer uses COPY on PostgreSQL; every column must come back as written.
    details = {"grant_type": "client_credentials", "scope": ["read", "wr\u00eete"], "refresh": False,
               "oidc": None, "n": 3, "quote": 'a "b" \\ c\td\ne'}
    event = AuditEvent("token.issued", subject="s\u00fcb", actor="client:c-1", client_id="c-1", sid="sid-1",
                       source="198.51.100.7", details=details)
    AuditLog(engine, clock=lambda: T0).record(event)
    buffered = BufferedAuditLog(engine, clock=lambda: T0, flush_seconds=3600)
    buffered.record(event)
    assert buffered.flush() == 1
    standalone, copied = ({k: v for k, v in r.items() if k != "id"} for r in _rows(engine))
    assert copied == standalone
    assert copied["details"] == details and copied["at"] == T0 and copied["subject"] == "s\u00fcb"
    buffered.close()


def test_the_background_writer_flushes_without_being_asked(engine: Engine) -> None:
    log = BufferedAuditLog(engine, flush_seconds=0.02)
    log.record(AuditEvent("token.issued", subject="u-bg"))
    deadline = datetime.now(UTC) + timedelta(seconds=5)
    while not _rows(engine) and datetime.now(UTC) < deadline:
        pass
    assert [r["subject"] for r in _rows(engine)] == ["u-bg"]
    log.close()


def test_a_buffered_batch_the_store_refuses_waits_bounded_and_is_never_raised(caplog) -> None:
    engine = make_engine("postgresql://postgres@127.0.0.1:1/nowhere", SCHEMA)  # nothing listens
    log = BufferedAuditLog(engine, flush_seconds=3600, max_pending=3)
    with caplog.at_level("WARNING", logger="authgate_common.audit_buffer"):
        for i in range(5):
            log.record(AuditEvent("token.issued", subject=f"u-{i}"))
        assert log.flush() == 0
    assert "not stored yet" in caplog.text and "dropped" in caplog.text
    assert len(log._pending) == 3  # the oldest kept for the next attempt, the rest dropped
    engine.dispose()
