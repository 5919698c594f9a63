"""The identity service's audit trail on PostgreSQL, read back over its AuditService:
sign-ins through the HTTP app carry the gateway's request id and client address, operator
changes are recorded, and no password is ever stored."""

from __future__ import annotations

import json

from authgate.audit.v1 import audit_pb2 as pb
from authgate.identity.v1 import identity_pb2 as ipb
from fastapi.testclient import TestClient

LOGIN = "/api/v1/sso/login"


def _events(harness, user_id: str, type_: str = "") -> list[pb.AuditEvent]:
    got = harness.audit.ListAuditEvents(pb.ListAuditEventsRequest(user=user_id, type=type_), timeout=10)
    return list(reversed(got.events))  # oldest first


def test_wrong_then_right_password_is_recorded_with_request_id_and_address(harness) -> None:
    user = harness.user()
    client = TestClient(harness.service.http_app)
    headers = {"x-envoy-external-address": "203.0.113.7"}
    bad = client.post(
        LOGIN,
        json={"username": user.username, "password": "not-my-password"},
        headers={**headers, "x-request-id": "rid-bad-1"},
    )
    good = client.post(
        LOGIN,
        json={"username": user.username, "password": harness.password},
        headers={**headers, "x-request-id": "rid-good-1"},
    )
    assert (bad.status_code, good.status_code) == (401, 200)
    events = _events(harness, user.id, "login.*")
    assert [(e.type, e.request_id, e.source_address, e.service) for e in events] == [
        ("login.failure", "rid-bad-1", "203.0.113.7", "identity"),
        ("login.success", "rid-good-1", "203.0.113.7", "identity"),
    ]
    assert json.loads(events[0].details_json) == {"reason": "wrong_password"}
    assert events[1].sid == good.json()["sid"] and events[1].actor == user.id
    everything = str(_events(harness, user.id))
    assert harness.password not in everything and "not-my-password" not in everything
    assert good.cookies.get("sso_session") not in everything


def test_operator_changes_are_recorded(harness) -> None:
    user = harness.user()
    harness.stub.DisableUser(ipb.DisableUserRequest(id=user.id), timeout=10)
    harness.stub.UnlockUser(ipb.UnlockUserRequest(id=user.id), timeout=10)
    assert [(e.type, e.actor) for e in _events(harness, user.id)] == [
        ("user.created", "operator"),
        ("user.disabled", "operator"),
        ("user.unlocked", "operator"),
    ]


def test_repeated_failures_record_the_lockout(harness) -> None:
    user = harness.user()
    client = TestClient(harness.service.http_app)
    for _ in range(harness.settings.LOGIN_MAX_FAILURES_PER_ACCOUNT + 1):
        client.post(LOGIN, json={"username": user.username, "password": "wrong-password"})
    types = [e.type for e in _events(harness, user.id, "login.*")]
    assert types.count("login.lockout") == 1 and types[-1] == "login.failure"
    last = _events(harness, user.id, "login.failure")[-1]
    assert json.loads(last.details_json) == {"reason": "locked"}
