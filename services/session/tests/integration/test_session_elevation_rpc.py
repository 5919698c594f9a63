"""ElevateSession and RevokeUserSessions(keep_sid) over gRPC on PostgreSQL + Redis."""

from __future__ import annotations

import grpc
import pytest
from authgate.session.v1 import session_pb2 as pb
from session_service.entrypoints.grpc_api import ACCESS, SERVICE_NAME


def _create(h, user_id: str, ua: str = "Firefox") -> pb.CreateSessionResponse:
    return h.stub.CreateSession(pb.CreateSessionRequest(
        user_id=user_id, client_ip="203.0.113.9", user_agent=ua, amr=["pwd"]), timeout=5)


def _code(call) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as err:
        call()
    return err.value.code()


def _validate(h, token: str) -> pb.Session:
    return h.stub.ValidateSession(pb.ValidateSessionRequest(session_token=token), timeout=5).session


def test_elevation_replaces_the_cookie_value_and_keeps_the_sid(harness, user_id: str) -> None:
    created = _create(harness, user_id)
    up = harness.stub.ElevateSession(pb.ElevateSessionRequest(
        session_token=created.session_token, amr=["otp", "mfa"]), timeout=5)
    assert up.session.sid == created.session.sid and up.session_token != created.session_token
    assert list(up.session.amr) == ["pwd", "otp", "mfa"]
    assert up.session.auth_time.ToDatetime() >= created.session.auth_time.ToDatetime()
    assert list(_validate(harness, up.session_token).amr) == ["pwd", "otp", "mfa"]
    assert _code(lambda: _validate(harness, created.session_token)) == grpc.StatusCode.UNAUTHENTICATED
    harness.flush_presence()  # the record alone: the new value works, the old one does not
    assert _validate(harness, up.session_token).sid == created.session.sid
    assert _code(lambda: _validate(harness, created.session_token)) == grpc.StatusCode.UNAUTHENTICATED
    got = harness.stub.GetSession(pb.GetSessionRequest(sid=created.session.sid)).session
    assert list(got.amr) == ["pwd", "otp", "mfa"]


def test_elevating_a_dead_or_unknown_session_is_unauthenticated(harness, user_id: str) -> None:
    created = _create(harness, user_id)
    harness.stub.RevokeSession(pb.RevokeSessionRequest(sid=created.session.sid))
    for token in (created.session_token, "not-a-session"):
        assert _code(lambda token=token: harness.stub.ElevateSession(pb.ElevateSessionRequest(
            session_token=token, amr=["otp", "mfa"]))) == grpc.StatusCode.UNAUTHENTICATED


def test_elevation_without_methods_is_invalid_argument(harness, user_id: str) -> None:
    created = _create(harness, user_id)
    assert _code(lambda: harness.stub.ElevateSession(pb.ElevateSessionRequest(
        session_token=created.session_token))) == grpc.StatusCode.INVALID_ARGUMENT


def test_revoke_user_sessions_keeps_the_named_session(harness, user_id: str) -> None:
    here, *others = [_create(harness, user_id, f"device {i}") for i in range(3)]
    sids = harness.stub.RevokeUserSessions(pb.RevokeUserSessionsRequest(
        user_id=user_id, keep_sid=here.session.sid)).sids
    assert sorted(sids) == sorted(o.session.sid for o in others)
    assert _validate(harness, here.session_token).sid == here.session.sid
    for o in others:
        assert _code(lambda o=o: _validate(harness, o.session_token)) == grpc.StatusCode.UNAUTHENTICATED


def test_only_identity_may_elevate() -> None:
    assert ACCESS[f"/{SERVICE_NAME}/ElevateSession"] == frozenset({"identity"})
