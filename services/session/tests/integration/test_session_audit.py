"""The session service's audit trail on PostgreSQL, read back over its AuditService:
sessions created and revoked (one, all, with the reason) over gRPC and a logout through
the HTTP app, with the caller's request id and address — and never the cookie value."""

from __future__ import annotations

import json

import grpc
from authgate.audit.v1 import audit_pb2 as apb
from authgate.audit.v1 import audit_pb2_grpc as apb_grpc
from authgate.session.v1 import session_pb2 as pb
from authgate.session.v1 import session_pb2_grpc as pb_grpc
from fastapi.testclient import TestClient

ISSUER = "http://id.test"


def _events(target: str, user_id: str) -> list[apb.AuditEvent]:
    with grpc.insecure_channel(target) as channel:
        got = apb_grpc.AuditServiceStub(channel).ListAuditEvents(
            apb.ListAuditEventsRequest(user=user_id), timeout=10
        )
    return list(reversed(got.events))  # oldest first


def test_created_and_revoked_sessions_are_recorded_with_the_reason(harness, user_id: str) -> None:
    created = [
        harness.stub.CreateSession(
            pb.CreateSessionRequest(user_id=user_id, client_ip="198.51.100.3", user_agent="ua", amr=["pwd"]),
            metadata=[("x-request-id", f"rid-create-{i}")],
            timeout=10,
        )
        for i in range(3)
    ]
    first, *rest = [c.session.sid for c in created]
    harness.stub.RevokeSession(pb.RevokeSessionRequest(sid=first), timeout=10)
    harness.stub.RevokeSession(pb.RevokeSessionRequest(sid=first), timeout=10)  # already ended: no row
    harness.stub.RevokeUserSessions(pb.RevokeUserSessionsRequest(user_id=user_id), timeout=10)
    events = _events(harness.target, user_id)
    assert [(e.type, e.sid) for e in events] == [
        *(("session.created", c.session.sid) for c in created),
        ("session.revoked", first),
        *(("session.revoked", sid) for sid in rest),
    ]
    assert [e.request_id for e in events[:3]] == ["rid-create-0", "rid-create-1", "rid-create-2"]
    assert all(e.source_address == "198.51.100.3" and e.actor == user_id for e in events[:3])
    assert json.loads(events[3].details_json) == {"reason": "revoked", "scope": "one"}
    assert events[3].actor == "operator"
    assert all(
        json.loads(e.details_json) == {"reason": "user_sessions_revoked", "scope": "all"} for e in events[4:]
    )
    stored = str(events)
    assert all(c.session_token not in stored for c in created)


def test_a_logout_is_recorded_with_the_session_it_came_from(replica, user_id: str) -> None:
    with replica(ISSUER=ISSUER) as r, TestClient(r.service.http_app, base_url=ISSUER) as http:
        with grpc.insecure_channel(r.target) as channel:
            stub = pb_grpc.SessionServiceStub(channel)
            here = stub.CreateSession(pb.CreateSessionRequest(user_id=user_id, amr=["pwd"]), timeout=10)
            stub.CreateSession(pb.CreateSessionRequest(user_id=user_id, amr=["pwd"]), timeout=10)
        resp = http.post(
            "/api/v1/logout",
            headers={
                "Origin": ISSUER,
                "Cookie": f"sso_session={here.session_token}",
                "x-request-id": "rid-logout",
                "x-envoy-external-address": "192.0.2.8",
            },
        )
        assert resp.status_code == 200 and resp.json()["revoked_sessions"] == 2
        events = [e for e in _events(r.target, user_id) if e.request_id == "rid-logout"]
    assert sorted(e.type for e in events) == ["session.logout", "session.revoked", "session.revoked"]
    logout = next(e for e in events if e.type == "session.logout")
    assert (logout.sid, logout.actor, logout.source_address) == (here.session.sid, user_id, "192.0.2.8")
    assert json.loads(logout.details_json) == {"scope": "all", "ended": 2}
    assert all(
        json.loads(e.details_json)["reason"] == "global_logout" for e in events if e.type == "session.revoked"
    )
    assert here.session_token not in str(events)
