"""/api/v1/admin/audit through the real HTTP app: the token service's own trail on
PostgreSQL plus identity's, session's and authorization's over gRPC (AuditService stand-ins
on their own ports), merged newest first and paged by cursor; an admin token it minted
itself is validated locally; one trail down is a 503, never a partial answer."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from authgate.audit.v1 import audit_pb2_grpc as audit_grpc
from authgate.authorization.v1 import authorization_pb2_grpc as az_grpc
from authgate.identity.v1 import identity_pb2_grpc as idp_grpc
from authgate.session.v1 import session_pb2_grpc as ss_grpc
from authgate_common.audit_service import AuditServicer
from authgate_common.core.admin_scope import admin_audience
from authgate_common.core.audit import AuditEvent, AuditQuery, AuditRecord
from authgate_common.core.errors import TemporarilyUnavailable
from authgate_common.grpc_server import create_server
from fastapi.testclient import TestClient
from token_service.bootstrap import TokenService, bootstrap
from token_service.domain.tokens.minting import AccessTokenRequest

AUDIT = "/api/v1/admin/audit"
ISSUER = "https://auth.example"  # the harness's
ADD = {"identity": idp_grpc.add_IdentityServiceServicer_to_server,
       "session": ss_grpc.add_SessionServiceServicer_to_server,
       "authorization": az_grpc.add_AuthorizationServiceServicer_to_server}


class Trail:
    """One service's audit log as AuditServicer reads it (AuditLog.query's contract)."""

    def __init__(self) -> None:
        self.rows: list[AuditRecord] = []
        self.down = False

    def add(self, at: datetime, type: str, subject: str = "") -> None:  # noqa: A002
        self.rows.append(AuditRecord(id=len(self.rows) + 1, at=at, type=type, actor="client:ops",
                                     subject=subject, client_id="ops", sid="", request_id="r-1",
                                     source="203.0.113.7", details={"fields": ["email"]}))

    def query(self, query: AuditQuery) -> list[AuditRecord]:
        if self.down:
            raise TemporarilyUnavailable(detail="database down")
        q = query.checked()
        hits = [r for r in self.rows if (not q.type.endswith("*") or r.type.startswith(q.type[:-1]))
                and (q.type.endswith("*") or not q.type or r.type == q.type)
                and (not q.user or r.subject == q.user) and (q.until is None or r.at < q.until)
                and (q.since is None or r.at >= q.since)]
        return sorted(hits, key=lambda r: (r.at, r.id), reverse=True)[:q.limit]


@dataclass
class Stack:
    http: TestClient
    trails: dict[str, Trail]
    service: TokenService
    client_id: str

    def token(self, *scopes: str, audience: str = admin_audience(ISSUER)) -> dict[str, str]:
        """An access token as the client_credentials grant mints it for an admin client."""
        minted = self.service.minter.access_token(AccessTokenRequest(
            subject=self.client_id, client_id=self.client_id, scopes=scopes,
            audiences=(self.client_id, audience)))
        return {"Authorization": f"Bearer {minted.token}"}

    @property
    def bearer(self) -> dict[str, str]:
        return self.token("admin:audit")


def _registrar(fakes, add, trail: Trail, name: str):
    def register(server: grpc.Server) -> None:
        add(fakes, server)
        audit_grpc.add_AuditServiceServicer_to_server(AuditServicer(trail, name), server)  # type: ignore[arg-type]
    return register


@pytest.fixture(scope="module")
def stack(harness) -> Iterator[Stack]:
    trails = {name: Trail() for name in ADD}
    servers, targets = [], {}
    for name, add in ADD.items():
        server, port, _ = create_server(0, _registrar(harness.fakes, add, trails[name], name),
                                        service_names=[], host="127.0.0.1")
        servers.append(server)
        targets[f"{name.upper()}_GRPC_TARGET"] = f"127.0.0.1:{port}"
    service = bootstrap(harness.settings.model_copy(update=targets))
    client_id = "ops-" + secrets.token_hex(4)
    try:
        with TestClient(service.http_app) as http:
            yield Stack(http, trails, service, client_id)
    finally:
        for server in servers:
            server.stop(None)
        service.close()


def _events(stack: Stack, **params: object) -> dict:
    resp = stack.http.get(AUDIT, params=params, headers=stack.bearer)
    assert resp.status_code == 200, resp.text
    assert resp.headers["cache-control"] == "no-store"
    return resp.json()


def test_merges_all_four_trails_newest_first_with_the_token_services_own(stack) -> None:
    now = datetime.now(UTC)
    stack.trails["identity"].add(now - timedelta(seconds=3), "admin.user.created", "u-7")
    stack.trails["session"].add(now - timedelta(seconds=2), "admin.session.revoked", "u-7")
    stack.trails["authorization"].add(now - timedelta(seconds=1), "admin.client.updated")
    page = _events(stack, type="admin.*", since=(now - timedelta(minutes=1)).isoformat())
    assert [(e["service"], e["type"]) for e in page["events"]] == [
        ("authorization", "admin.client.updated"), ("session", "admin.session.revoked"),
        ("identity", "admin.user.created")]
    first = page["events"][-1]
    shown = ("actor", "client_id", "subject", "details", "source_address")
    assert tuple(first[k] for k in shown) == (
        "client:ops", "ops", "u-7", {"fields": ["email"]}, "203.0.113.7")
    # The token service's own trail (PostgreSQL, written through its buffered log).
    stack.service.audit.record(AuditEvent("admin.key.rotated", actor=f"client:{stack.client_id}",
                                          client_id=stack.client_id, details={"forced": True}))
    mine = _events(stack, type="admin.key.rotated", limit=200)["events"]
    assert any(e["service"] == "token" and e["actor"] == f"client:{stack.client_id}" for e in mine)
    by_subject = _events(stack, subject="u-7", type="admin.*")["events"]
    assert {e["service"] for e in by_subject} == {"identity", "session"}


def test_pages_chain_by_cursor_and_link(stack) -> None:
    base = datetime.now(UTC) - timedelta(hours=2)
    for i in range(5):
        for name in ADD:
            stack.trails[name].add(base + timedelta(seconds=i), "paging.test")
    seen, url, pages = [], f"{AUDIT}?type=paging.test&limit=4", 0
    while url:
        resp = stack.http.get(url, headers=stack.bearer)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        seen += [(e["service"], e["id"]) for e in body["events"]]
        assert ("link" in resp.headers) == (body["next_cursor"] is not None)
        url, pages = resp.headers.get("link", "").partition(">")[0].lstrip("<"), pages + 1
    assert len(seen) == len(set(seen)) == 15 and pages == 4


def test_bad_input_is_a_400_problem(stack) -> None:
    for query in ("limit=0", "limit=201", "cursor=bm9wZQ", "since=yesterday",
                  "since=2030-01-02T00:00:00Z&until=2030-01-01T00:00:00Z", "type=" + "x" * 65):
        resp = stack.http.get(f"{AUDIT}?{query}", headers=stack.bearer)
        assert resp.status_code == 400, (query, resp.text)
        assert resp.headers["content-type"] == "application/problem+json"
        assert resp.json()["error"] == "invalid_request"


def test_one_trail_down_is_503_never_a_partial_answer(stack) -> None:
    stack.trails["session"].down = True
    try:
        resp = stack.http.get(AUDIT, headers=stack.bearer)
        assert resp.status_code == 503 and resp.json()["error"] == "temporarily_unavailable"
        assert "session" in resp.json()["detail"] and resp.headers["retry-after"]
    finally:
        stack.trails["session"].down = False


def test_the_token_must_be_ours_and_for_the_audit(stack) -> None:
    for headers in (stack.token("admin:keys"), stack.token("admin:audit", audience="urn:authgate:api")):
        resp = stack.http.get(AUDIT, headers=headers)
        assert resp.status_code == 403 and resp.json()["error"] == "insufficient_scope"
    for headers in ({}, {"Authorization": "Bearer " + "e30." * 2 + "x"}):
        resp = stack.http.get(AUDIT, headers=headers)
        assert resp.status_code == 401 and resp.json()["error"] == "invalid_token"
