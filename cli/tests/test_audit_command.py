"""`authgate audit` against four services, each serving the real AuditService over its own
trail (an embedded SQLite one here): events merged by time, filters passed on, a username
resolved through identity, and a service that cannot be reached reported, not hidden."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from authgate.audit.v1 import audit_pb2_grpc
from authgate.identity.v1 import identity_pb2, identity_pb2_grpc
from authgate_cli.audit import when
from authgate_common.audit_schema import create_table_v1
from authgate_common.audit_service import AuditServicer
from authgate_common.audit_store import AuditLog
from authgate_common.core.audit import AuditEvent
from authgate_common.db import make_engine
from cli_fakes import FakeIdentity
from cli_listeners import serve
from sqlalchemy import Engine

ALICE = str(uuid.uuid4())
T0 = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
SERVICES = ("identity", "session", "authorization", "token")


@dataclass
class Trails:
    engines: dict[str, Engine]

    def add(self, service: str, minutes: int, type_: str, subject: str = ALICE, **kw: str) -> None:
        AuditLog(self.engines[service], clock=lambda: T0 + timedelta(minutes=minutes)).record(
            AuditEvent(type_, subject, **kw)
        )


@pytest.fixture
def trails(tmp_path, monkeypatch, pki_root) -> Iterator[Trails]:
    identity = FakeIdentity()
    identity.users[ALICE] = identity_pb2.User(id=ALICE, username="alice", email="alice@example.com")
    engines, servers = {}, []
    for name in SERVICES:
        engine = engines[name] = make_engine(None, name, str(tmp_path))
        with engine.begin() as conn:
            create_table_v1(Operations(MigrationContext.configure(conn)))
        log = AuditLog(engine)

        def register(server, name=name, log=log):
            audit_pb2_grpc.add_AuditServiceServicer_to_server(AuditServicer(log, name), server)
            if name == "identity":
                identity_pb2_grpc.add_IdentityServiceServicer_to_server(identity, server)

        server, target = serve(pki_root, name, register)
        servers.append(server)
        monkeypatch.setenv(f"{name.upper()}_OPERATOR_TARGET", target)
    yield Trails(engines)
    for server in servers:
        server.stop(None)
    for engine in engines.values():
        engine.dispose()


def test_events_of_all_services_are_merged_oldest_first(trails, run) -> None:
    trails.add("token", 3, "token.issued", client_id="web", sid="s1")
    trails.add("identity", 0, "login.failure")
    trails.add("session", 2, "session.created", sid="s1")
    trails.add("identity", 1, "login.success", sid="s1")
    trails.add("authorization", 4, "code.issued", subject="someone-else")
    result = run("audit", "--user", "alice", "--json")
    assert result.code == 0, result.err
    rows = result.json()
    assert [(r["service"], r["type"]) for r in rows] == [
        ("identity", "login.failure"),
        ("identity", "login.success"),
        ("session", "session.created"),
        ("token", "token.issued"),
    ]
    assert rows[0]["time"] == "2030-05-01T12:00:00Z" and rows[3]["client_id"] == "web"
    assert rows[3]["details"] == {} and rows[3]["subject"] == ALICE


def test_filters_reach_every_service(trails, run) -> None:
    trails.add("identity", 0, "login.failure")
    trails.add("identity", 10, "login.failure")
    trails.add("identity", 20, "login.success")
    trails.add("token", 15, "token.issued")
    result = run(
        "audit", "--user", ALICE, "--type", "login.failure", "--since", "2030-05-01T12:05:00Z", "--json"
    )
    assert [r["time"] for r in result.json()] == ["2030-05-01T12:10:00Z"]
    result = run("audit", "--user", ALICE, "--type", "login.*", "--until", "2030-05-01T12:15", "--json")
    assert [r["type"] for r in result.json()] == ["login.failure", "login.failure"]
    result = run("audit", "--user", ALICE, "--limit", "2", "--json")
    assert [r["type"] for r in result.json()] == ["token.issued", "login.success"]  # the newest two


def test_text_output_is_a_table(trails, run) -> None:
    trails.add("session", 0, "session.revoked", sid="s9", details={"reason": "logout"})  # type: ignore[arg-type]
    result = run("audit", "--user", "alice")
    header, row = result.out.splitlines()
    assert header.split()[:4] == ["TIME", "SERVICE", "TYPE", "ACTOR"]
    assert "session.revoked" in row and '{"reason": "logout"}' in row


def test_an_unreachable_service_is_reported_and_the_rest_shown(
    trails,
    run,
    dead_target,
    monkeypatch,
) -> None:
    trails.add("identity", 0, "login.success")
    monkeypatch.setenv("TOKEN_OPERATOR_TARGET", dead_target)
    result = run("audit", "--user", ALICE, "--json")
    assert result.code == 2
    assert [r["type"] for r in result.json()] == ["login.success"]
    assert "token" in result.err and "temporarily_unavailable" in result.err


@pytest.mark.parametrize(
    "args, code",
    [
        (["--since", "yesterday"], 1),
        (["--since", "2030-05-02", "--until", "2030-05-01"], 1),
        (["--limit", "0"], 2),
        (["--limit", "5000"], 2),
    ],
)
def test_bad_arguments_are_refused(trails, run, args: list[str], code: int) -> None:
    result = run("audit", "--user", ALICE, *args)
    assert result.code == code


def test_an_unknown_username_is_not_found(trails, run) -> None:
    result = run("audit", "--user", "nobody", "--json")
    assert result.code == 1 and "not_found" in result.err


def test_ages_and_dates() -> None:
    now = datetime(2030, 1, 2, tzinfo=UTC)
    assert when("24h", now) == datetime(2030, 1, 1, tzinfo=UTC)
    assert when("90m", now) == now - timedelta(minutes=90)
    assert when("2w", now) == now - timedelta(weeks=2)
    assert when("2026-11-01") == datetime(2026, 11, 1, tzinfo=UTC)
    assert when("2026-11-01T10:00:00+02:00") == datetime(2026, 11, 1, 8, tzinfo=UTC)
