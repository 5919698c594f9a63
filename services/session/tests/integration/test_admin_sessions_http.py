"""/api/v1/admin/sessions on PostgreSQL + Redis through the real HTTP app, bearer tokens
checked by a stand-in TokenService: RFC 6750 refusals as RFC 9457 problems, a user's
sessions listed and ended (the record, presence and the feed), audited with the acting client."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from authgate.token.v1 import token_pb2, token_pb2_grpc
from authgate_common.core.errors import InvalidToken, LoginRequired
from authgate_common.db import make_engine
from authgate_common.grpc_server import create_server
from fastapi.testclient import TestClient
from session_service.bootstrap import SCHEMA
from session_service.domain.create import create_session
from session_service.domain.validate import validate_session
from sqlalchemy import text

ISSUER = "http://id.test"
ADMIN_API = f"{ISSUER}/api/v1/admin"
SESSIONS = "/api/v1/admin/sessions"
PROBLEM = "application/problem+json"


@dataclass
class FakeTokenService(token_pb2_grpc.TokenServiceServicer):
    """ValidateToken over the tokens a test registers: token -> (client_id, scopes, aud)."""

    tokens: dict[str, tuple[str, list[str], list[str]]] = field(default_factory=dict)

    def add(self, client_id: str, scopes: str, *audiences: str) -> dict[str, str]:
        token = secrets.token_urlsafe(24)
        self.tokens[token] = (client_id, scopes.split(), list(audiences))
        return {"Authorization": f"Bearer {token}"}

    def ValidateToken(self, request, context):  # noqa: N802
        if request.token not in self.tokens:
            raise InvalidToken()
        client_id, scopes, aud = self.tokens[request.token]
        return token_pb2.ValidateTokenResponse(sub=client_id, client_id=client_id, scopes=scopes, aud=aud)


@dataclass
class Admin:
    http: TestClient
    service: object
    tokens: FakeTokenService
    database_url: str

    def login(self, user: str) -> tuple[str, str]:
        session, cookie = create_session(self.service.deps, user, "203.0.113.5", "Firefox", ["pwd"])  # type: ignore[attr-defined]
        return session.sid, cookie

    def audit(self, sid: str) -> list[tuple[str, str, str]]:
        engine = make_engine(self.database_url, SCHEMA)
        try:
            with engine.connect() as conn:
                rows = conn.execute(text("SELECT type, actor, client_id FROM audit_events"
                                         " WHERE sid = :sid ORDER BY id"), {"sid": sid})
                return [tuple(r) for r in rows]
        finally:
            engine.dispose()


@pytest.fixture
def admin(replica, stores) -> Iterator[Admin]:
    fake = FakeTokenService()
    server, port, _ = create_server(
        0, lambda s: token_pb2_grpc.add_TokenServiceServicer_to_server(fake, s),
        service_names=["authgate.token.v1.TokenService"], host="127.0.0.1")
    try:
        with replica(TOKEN_GRPC_TARGET=f"127.0.0.1:{port}", ISSUER=ISSUER) as r, \
                TestClient(r.service.http_app, base_url=ISSUER) as http:
            yield Admin(http, r.service, fake, stores.database_url)
    finally:
        server.stop(None)


@pytest.fixture
def bot(admin) -> dict[str, str]:
    return admin.tokens.add("ops-bot", "admin:sessions", ADMIN_API)


def _problem(resp, status: int, error: str) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == PROBLEM
    body = resp.json()
    assert (body["status"], body["error"]) == (status, error)
    return body


def test_no_token_401_bad_token_401_other_scope_or_audience_403(admin) -> None:
    user = str(uuid.uuid4())
    routes = [("GET", f"{SESSIONS}?user_id={user}"), ("DELETE", f"{SESSIONS}?user_id={user}"),
              ("GET", f"{SESSIONS}/abc"), ("DELETE", f"{SESSIONS}/abc")]
    for method, path in routes:
        resp = admin.http.request(method, path)
        _problem(resp, 401, "invalid_token")
        assert resp.headers["www-authenticate"] == 'Bearer realm="authgate"'
        _problem(admin.http.request(method, path, headers={"Authorization": "Bearer forged"}),
                 401, "invalid_token")
        for scopes, aud in [("admin:users", ADMIN_API), ("admin:sessions", f"{ISSUER}/api/v1/account")]:
            resp = admin.http.request(method, path, headers=admin.tokens.add("ops-bot", scopes, aud))
            _problem(resp, 403, "insufficient_scope")
            assert 'scope="admin:sessions"' in resp.headers["www-authenticate"]


def test_lists_reads_and_ends_one_session(admin, bot) -> None:
    user = str(uuid.uuid4())
    sid, cookie = admin.login(user)
    other, _ = admin.login(user)
    listed = admin.http.get(SESSIONS, params={"user_id": user}, headers=bot)
    assert listed.status_code == 200 and listed.headers["cache-control"] == "no-store"
    sessions = listed.json()["sessions"]
    assert {s["sid"] for s in sessions} == {sid, other}
    assert {(s["user_id"], s["client_ip"], s["user_agent"], tuple(s["amr"])) for s in sessions} == {
        (user, "203.0.113.5", "Firefox", ("pwd",))}
    got = admin.http.get(f"{SESSIONS}/{sid}", headers=bot)
    assert got.status_code == 200 and got.json()["sid"] == sid and "token_hash" not in got.text
    assert admin.http.delete(f"{SESSIONS}/{sid}", headers=bot).status_code == 204
    with pytest.raises(LoginRequired):  # the cookie is dead
        validate_session(admin.service.deps, cookie)  # type: ignore[attr-defined]
    _problem(admin.http.get(f"{SESSIONS}/{sid}", headers=bot), 404, "not_found")
    assert admin.http.delete(f"{SESSIONS}/{sid}", headers=bot).status_code == 204  # already ended
    assert [s["sid"] for s in admin.http.get(SESSIONS, params={"user_id": user}, headers=bot).json()[
        "sessions"]] == [other]
    assert admin.audit(sid)[-1] == ("admin.session.revoked", "client:ops-bot", "ops-bot")


def test_ends_every_session_of_a_user(admin, bot) -> None:
    user, bystander = str(uuid.uuid4()), str(uuid.uuid4())
    sids = {admin.login(user)[0] for _ in range(2)}
    kept, _ = admin.login(bystander)
    resp = admin.http.delete(SESSIONS, params={"user_id": user}, headers=bot)
    assert resp.status_code == 200 and set(resp.json()["revoked"]) == sids
    assert admin.http.get(SESSIONS, params={"user_id": user}, headers=bot).json() == {"sessions": []}
    assert admin.http.get(f"{SESSIONS}/{kept}", headers=bot).status_code == 200
    for sid in sids:
        assert admin.audit(sid)[-1] == ("admin.session.revoked", "client:ops-bot", "ops-bot")
    assert admin.http.delete(SESSIONS, params={"user_id": user}, headers=bot).json() == {"revoked": []}


def test_bad_input_is_a_400_or_404_problem(admin, bot) -> None:
    for query in ("", "?user_id=", "?user_id=alice", f"?user_id={'a' * 65}"):
        _problem(admin.http.get(SESSIONS + query, headers=bot), 400, "invalid_request")
        _problem(admin.http.delete(SESSIONS + query, headers=bot), 400, "invalid_request")
    for sid in ("unknown", "x" * 100):
        _problem(admin.http.get(f"{SESSIONS}/{sid}", headers=bot), 404, "not_found")
        _problem(admin.http.delete(f"{SESSIONS}/{sid}", headers=bot), 404, "not_found")
