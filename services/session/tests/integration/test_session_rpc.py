"""SessionService over gRPC on PostgreSQL + Redis: create, validate, get, list, revoke."""

from __future__ import annotations

import time

import grpc
import pytest
from authgate.session.v1 import session_pb2 as pb
from grpc_health.v1 import health_pb2, health_pb2_grpc


def _create(h, user_id: str, ua: str = "Firefox") -> pb.CreateSessionResponse:
    return h.stub.CreateSession(pb.CreateSessionRequest(
        user_id=user_id, client_ip="203.0.113.9", user_agent=ua, amr=["pwd"]), timeout=5)


def _fails(call, code: grpc.StatusCode) -> dict[str, str]:
    with pytest.raises(grpc.RpcError) as err:
        call()
    assert err.value.code() == code
    return dict(err.value.trailing_metadata() or ())


def test_created_session_validates(harness, user_id: str) -> None:
    created = _create(harness, user_id)
    assert len(created.session_token) >= 43 and created.session.sid
    got = harness.stub.ValidateSession(pb.ValidateSessionRequest(session_token=created.session_token))
    s = got.session
    assert (s.sid, s.user_id, list(s.amr), s.client_ip, s.user_agent) == (
        created.session.sid, user_id, ["pwd"], "203.0.113.9", "Firefox")
    assert abs(s.auth_time.seconds - time.time()) < 60
    assert s.expires_at.seconds - s.created_at.seconds == harness.settings.SESSION_LIFETIME_SECONDS
    assert s.last_seen_at.ToDatetime() >= s.created_at.ToDatetime()


def test_unknown_token_is_unauthenticated_with_the_oauth_error(harness) -> None:
    md = _fails(lambda: harness.stub.ValidateSession(
        pb.ValidateSessionRequest(session_token="not-a-session")), grpc.StatusCode.UNAUTHENTICATED)
    assert md["authgate-oauth-error"] == "login_required"
    assert md["authgate-oauth-error-description"] == "session is not valid"


def test_get_session_by_sid(harness, user_id: str) -> None:
    created = _create(harness, user_id)
    got = harness.stub.GetSession(pb.GetSessionRequest(sid=created.session.sid)).session
    assert got.user_id == user_id and got.sid == created.session.sid
    md = _fails(lambda: harness.stub.GetSession(pb.GetSessionRequest(sid="unknown")),
                grpc.StatusCode.NOT_FOUND)
    assert md["authgate-oauth-error"] == "not_found"


def test_list_sessions_newest_first(harness, user_id: str) -> None:
    first, second = _create(harness, user_id, "laptop"), _create(harness, user_id, "phone")
    _create(harness, user_id + "-other")
    listed = harness.stub.ListSessions(pb.ListSessionsRequest(user_id=user_id)).sessions
    assert [s.sid for s in listed] == [second.session.sid, first.session.sid]
    assert [s.user_agent for s in listed] == ["phone", "laptop"]


def test_revoke_ends_validation_and_lookup(harness, user_id: str) -> None:
    created = _create(harness, user_id)
    harness.stub.RevokeSession(pb.RevokeSessionRequest(sid=created.session.sid))
    _fails(lambda: harness.stub.ValidateSession(
        pb.ValidateSessionRequest(session_token=created.session_token)), grpc.StatusCode.UNAUTHENTICATED)
    _fails(lambda: harness.stub.GetSession(pb.GetSessionRequest(sid=created.session.sid)),
           grpc.StatusCode.NOT_FOUND)
    harness.stub.RevokeSession(pb.RevokeSessionRequest(sid=created.session.sid))  # idempotent
    assert harness.stub.ListSessions(pb.ListSessionsRequest(user_id=user_id)).sessions == []


def test_revoking_someone_elses_session_is_not_found(harness, user_id: str) -> None:
    created = _create(harness, user_id)
    _fails(lambda: harness.stub.RevokeSession(pb.RevokeSessionRequest(
        sid=created.session.sid, user_id="someone-else")), grpc.StatusCode.NOT_FOUND)
    harness.stub.ValidateSession(pb.ValidateSessionRequest(session_token=created.session_token))


def test_revoke_user_sessions_returns_the_sids_it_ended(harness, user_id: str) -> None:
    mine = [_create(harness, user_id) for _ in range(3)]
    theirs = _create(harness, user_id + "-other")
    sids = harness.stub.RevokeUserSessions(pb.RevokeUserSessionsRequest(user_id=user_id)).sids
    assert sorted(sids) == sorted(c.session.sid for c in mine)
    for c in mine:
        _fails(lambda c=c: harness.stub.ValidateSession(
            pb.ValidateSessionRequest(session_token=c.session_token)), grpc.StatusCode.UNAUTHENTICATED)
    harness.stub.ValidateSession(pb.ValidateSessionRequest(session_token=theirs.session_token))


def test_bad_create_request_is_invalid_argument(harness) -> None:
    md = _fails(lambda: harness.stub.CreateSession(pb.CreateSessionRequest(user_id="")),
                grpc.StatusCode.INVALID_ARGUMENT)
    assert md["authgate-oauth-error"] == "invalid_request"


def test_health_reports_serving(harness) -> None:
    with grpc.insecure_channel(harness.target) as ch:
        resp = health_pb2_grpc.HealthStub(ch).Check(
            health_pb2.HealthCheckRequest(service="authgate.session.v1.SessionService"))
    assert resp.status == health_pb2.HealthCheckResponse.SERVING
