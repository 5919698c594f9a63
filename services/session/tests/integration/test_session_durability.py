"""PostgreSQL is the record, Redis only presence: losing Redis never revives nor kills a session,
and the record holds no cookie value."""

from __future__ import annotations

import grpc
import pytest
from authgate.session.v1 import session_pb2 as pb


def _create(h, user_id: str) -> pb.CreateSessionResponse:
    return h.stub.CreateSession(pb.CreateSessionRequest(user_id=user_id, amr=["pwd"]))


def test_session_stays_revoked_after_redis_is_flushed(harness, user_id: str) -> None:
    created = _create(harness, user_id)
    harness.stub.RevokeSession(pb.RevokeSessionRequest(sid=created.session.sid, user_id=user_id))
    assert harness.flush_presence() > 0
    with pytest.raises(grpc.RpcError) as err:
        harness.stub.ValidateSession(pb.ValidateSessionRequest(session_token=created.session_token))
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.RpcError) as err:
        harness.stub.GetSession(pb.GetSessionRequest(sid=created.session.sid))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_live_session_survives_a_redis_flush_and_presence_is_rebuilt(harness, user_id: str) -> None:
    created = _create(harness, user_id)
    tok_key = harness.key_prefix + "tok:" + harness.token_hash(created.session_token)
    assert harness.redis.exists(tok_key)
    harness.flush_presence()
    assert not harness.redis.exists(tok_key)
    got = harness.stub.ValidateSession(pb.ValidateSessionRequest(session_token=created.session_token))
    assert got.session.sid == created.session.sid
    assert harness.redis.exists(tok_key)
    assert 0 < harness.redis.ttl(tok_key) <= harness.settings.SESSION_IDLE_TIMEOUT_SECONDS
    sid_key = harness.key_prefix + "sid:" + created.session.sid
    assert harness.redis.get(sid_key) == harness.token_hash(created.session_token)


def test_get_session_survives_a_redis_flush(harness, user_id: str) -> None:
    created = _create(harness, user_id)
    harness.flush_presence()
    got = harness.stub.GetSession(pb.GetSessionRequest(sid=created.session.sid))
    assert got.session.user_id == user_id


def test_revocation_marker_outlives_a_stale_presence_key(harness, user_id: str) -> None:
    created = _create(harness, user_id)
    tok_key = harness.key_prefix + "tok:" + harness.token_hash(created.session_token)
    stale = {k: harness.redis.get(k) for k in harness.redis.scan_iter(
        match=harness.key_prefix + "*" + created.session.sid)}
    stale[tok_key] = harness.redis.get(tok_key)
    harness.stub.RevokeSession(pb.RevokeSessionRequest(sid=created.session.sid))
    assert harness.redis.get(harness.key_prefix + "revoked:" + created.session.sid) == "1"
    for key, value in stale.items():  # a racing writer puts presence back
        harness.redis.set(key, value, ex=600)
    with pytest.raises(grpc.RpcError) as err:
        harness.stub.ValidateSession(pb.ValidateSessionRequest(session_token=created.session_token))
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_the_record_holds_no_raw_token(harness, user_id: str) -> None:
    created = _create(harness, user_id)
    harness.stub.ValidateSession(pb.ValidateSessionRequest(session_token=created.session_token))
    rows = harness.rows()
    assert any(created.session.sid in row for row in rows)
    assert created.session_token not in repr(rows)
    presence = {k: harness.redis.get(k) for k in harness.redis.scan_iter(match=harness.key_prefix + "*")}
    assert created.session_token not in repr(presence)
