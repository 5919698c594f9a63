"""The revocation feed end to end: session replicas on PostgreSQL + Redis, and the
validator's RevokedSessions (authgate_common.revocation_feed) subscribed to one of them."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from authgate.session.v1 import session_pb2 as pb
from authgate.session.v1 import session_pb2_grpc as pb_grpc
from authgate_common.core.errors import InvalidToken, TemporarilyUnavailable
from authgate_common.grpc_server import channel
from authgate_common.revocation_feed import RevokedSessions
from sqlalchemy import text

FAST = {"REVOCATION_FEED_HEARTBEAT_SECONDS": 0.2, "REVOCATION_FEED_POLL_SECONDS": 0}


@contextmanager
def validator(target: str) -> Iterator[RevokedSessions]:
    feed = RevokedSessions(target, tls=None, heartbeat_seconds=0.2,
                           backoff_initial=0.05, backoff_max=0.3).start()
    try:
        yield feed
    finally:
        feed.stop()


@contextmanager
def stub(target: str) -> Iterator[pb_grpc.SessionServiceStub]:
    with channel(target) as ch:
        yield pb_grpc.SessionServiceStub(ch)


def eventually(predicate: Callable[[], bool], timeout: float) -> float:
    """Seconds until predicate() held; fails after timeout."""
    start = time.perf_counter()
    while not predicate():
        assert time.perf_counter() - start < timeout, "condition not reached in time"
        time.sleep(0.001)
    return time.perf_counter() - start


def new_session(s: pb_grpc.SessionServiceStub, user_id: str) -> str:
    return s.CreateSession(pb.CreateSessionRequest(user_id=user_id, amr=["pwd"]), timeout=5).session.sid


def test_snapshot_holds_sessions_revoked_before_subscribing(replica, user_id: str) -> None:
    with replica(**FAST) as r, stub(r.target) as s:
        revoked, alive = new_session(s, user_id), new_session(s, user_id)
        s.RevokeSession(pb.RevokeSessionRequest(sid=revoked), timeout=5)
        with validator(r.target) as feed:
            assert not feed.healthy
            assert feed.wait_healthy(5)
            assert feed.is_revoked(revoked) and not feed.is_revoked(alive)
            feed.check(alive)
            with pytest.raises(InvalidToken):
                feed.check(revoked)


def test_revocation_on_another_replica_is_seen_within_100ms(replica, user_id: str) -> None:
    with replica(**FAST) as a, replica(**FAST) as b, stub(b.target) as s, validator(a.target) as feed:
        assert feed.wait_healthy(5)
        delays = []
        for _ in range(20):
            sid = new_session(s, user_id)
            s.RevokeSession(pb.RevokeSessionRequest(sid=sid), timeout=5)
            delays.append(eventually(lambda sid=sid: feed.is_revoked(sid), timeout=2))
        assert statistics.median(delays) < 0.1 and max(delays) < 0.1, delays
        sids = [new_session(s, user_id) for _ in range(3)]
        s.RevokeUserSessions(pb.RevokeUserSessionsRequest(user_id=user_id), timeout=5)
        eventually(lambda: all(feed.is_revoked(x) for x in sids), timeout=0.1)


def test_a_quiet_feed_stays_healthy_on_heartbeats(replica) -> None:
    with replica(**FAST) as r, validator(r.target) as feed:
        assert feed.wait_healthy(5)
        time.sleep(1.5)  # 7 heartbeats, no revocation
        assert feed.healthy


def test_feed_lost_fails_closed_then_recovers_with_what_was_missed(replica, user_id: str) -> None:
    with replica(**FAST) as other, stub(other.target) as s:
        with replica(**FAST) as watched, validator(watched.target) as feed:
            assert feed.wait_healthy(5)
            port = watched.port
            before = new_session(s, user_id)
            watched.server.stop(None)  # the session service goes away under the validator
            eventually(lambda: not feed.healthy, timeout=2)
            with pytest.raises(TemporarilyUnavailable):
                feed.check(before)
            s.RevokeSession(pb.RevokeSessionRequest(sid=before), timeout=5)  # while it is down
            assert not feed.is_revoked(before)
            with replica(port=port, **FAST):
                eventually(lambda: feed.healthy, timeout=5)
                assert feed.is_revoked(before)
                with pytest.raises(InvalidToken):
                    feed.check(before)


def test_a_silent_feed_is_not_trusted(replica) -> None:
    with replica(**FAST) as r, validator(r.target) as feed:
        assert feed.wait_healthy(5)
        r.service.hub.close()  # streams end server-side; the validator must notice and resubscribe
        eventually(lambda: not feed.healthy, timeout=2)


def test_nothing_to_vouch_for_never_looks_healthy(unused_port: int) -> None:
    with validator(f"127.0.0.1:{unused_port}") as feed:
        time.sleep(0.5)
        assert not feed.healthy
        with pytest.raises(TemporarilyUnavailable):
            feed.check("some-sid")
        feed.check("")  # a token without a session depends on no session


def test_redis_flushed_a_revoked_session_stays_revoked(replica, harness, user_id: str) -> None:
    with replica(**FAST) as r, stub(r.target) as s:
        sid = new_session(s, user_id)
        s.RevokeSession(pb.RevokeSessionRequest(sid=sid), timeout=5)
        assert harness.flush_presence() > 0
        with validator(r.target) as feed:
            assert feed.wait_healthy(5)
            assert feed.is_revoked(sid)


def test_a_revocation_pubsub_never_carried_is_found_in_the_record(replica, harness, user_id: str) -> None:
    with replica(REVOCATION_FEED_HEARTBEAT_SECONDS=0.2, REVOCATION_FEED_POLL_SECONDS=0.2) as r, \
            stub(r.target) as s, validator(r.target) as feed:
        assert feed.wait_healthy(5)
        sid = new_session(s, user_id)
        # A replica that committed the revocation and died before publishing it.
        with harness.engine.begin() as conn:
            conn.execute(text("UPDATE sessions SET revoked_at = now(), revoked_reason = 'crash' "
                              "WHERE sid = :sid"), {"sid": sid})
        eventually(lambda: feed.is_revoked(sid), timeout=3)


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
