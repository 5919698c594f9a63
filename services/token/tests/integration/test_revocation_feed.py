"""RevocationFeedService on real PostgreSQL and Redis: what a verifier (authgate_verifier) hears.

The feed servicer runs beside the harness's bootstrapped token service, its hub fed by
the Redis channel the harness's deny-list publishes on and by a stand-in for the session
feed: revocations recorded before a verifier connects come in its snapshot (the record),
later ones live (pub/sub) — jtis revoked through /revoke, a deleted client's marker through
RevokeClientTokens, sessions through the session feed's listener — and a replica that loses
its session feed ends the stream, so the verifier refuses until it has resynced.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import grpc
import pytest
from authgate.session.v1 import session_pb2 as ss
from authgate.token.v1 import token_pb2 as pb
from authgate.token.v1 import token_pb2_grpc as pb_grpc
from authgate_common.grpc_server import create_server
from authgate_verifier import FeedSubscriber, RevocationState
from google.protobuf.timestamp_pb2 import Timestamp
from token_service.adapters.refresh_repository import SqlRefreshUnitOfWork
from token_service.adapters.revocation_bus import relay, session_relay
from token_service.bootstrap import engine_for
from token_service.domain.refresh.refresh_store import jti_unit_of_work
from token_service.domain.revocation.feed_hub import FeedHub
from token_service.entrypoints.revocation_feed_grpc import RevocationFeedServicer

CC = {"grant_type": "client_credentials", "scope": "read"}


@dataclass
class SessionFeed:
    """Stands in for authgate_common.revocation_feed.RevokedSessions."""

    healthy: bool = True
    held: dict[str, float] = field(default_factory=dict)

    def revoked(self) -> dict[str, float]:
        return dict(self.held)


def _registrar(servicer: RevocationFeedServicer):
    return lambda server: pb_grpc.add_RevocationFeedServiceServicer_to_server(servicer, server)


@dataclass
class Feed:
    hub: FeedHub
    sessions: SessionFeed
    target: str


@pytest.fixture
def feed(harness) -> Iterator[Feed]:
    settings = harness.settings
    hub, sessions = FeedHub(), SessionFeed()
    _publish, healthy, closers = relay(settings.REDIS_URL, settings.REDIS_KEY_PREFIX + "token:", hub)
    engine = engine_for(settings)
    record = jti_unit_of_work(SqlRefreshUnitOfWork(engine))
    servicer = RevocationFeedServicer(hub, sessions, record, healthy, heartbeat_seconds=0.2)
    server, port, _ = create_server(0, _registrar(servicer), service_names=[], host="127.0.0.1")
    try:
        deadline = time.monotonic() + 10
        while not healthy():
            assert time.monotonic() < deadline, "never subscribed to the revocation channel"
            time.sleep(0.02)
        yield Feed(hub, sessions, f"127.0.0.1:{port}")
    finally:
        server.stop(None)
        for close in closers:
            close()
        engine.dispose()


def _subscribe(target: str) -> tuple[RevocationState, FeedSubscriber]:
    state = RevocationState(max_silence=1.0)
    sub = FeedSubscriber(target, None, state, backoff_max=0.2, insecure_plaintext=True).start()
    assert sub.wait_healthy(10), "no snapshot"
    return state, sub


def _eventually(check, what: str, within: float = 3.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def _token(harness, client: tuple[str, str]) -> tuple[str, str]:
    resp = harness.http.post("/api/v1/oauth/token", auth=client, data=CC)
    assert resp.status_code == 200, resp.text
    token = resp.json()["access_token"]
    payload = token.split(".")[1]
    return token, json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["jti"]


@pytest.fixture
def cc_client(harness) -> tuple[str, str]:
    client_id, secret = "feed-" + secrets.token_hex(4), secrets.token_urlsafe(32)
    harness.fakes.add_client(client_id, secret, grant_types=("client_credentials",), scopes="read")
    return client_id, secret


def _revoke(harness, client: tuple[str, str], token: str) -> None:
    assert harness.http.post("/api/v1/oauth/revoke", auth=client, data={"token": token}).status_code == 200


def test_the_snapshot_then_live_revocations_reach_the_verifier(harness, feed: Feed, cc_client,
                                                               grpc_channel) -> None:
    before, before_jti = _token(harness, cc_client)
    _revoke(harness, cc_client, before)
    feed.sessions.held["sid-old"] = time.time() + 600
    state, sub = _subscribe(feed.target)
    try:
        assert state.jtis.get(before_jti, 0) > time.time()  # from the record
        assert "sid-old" in state.sessions

        after, after_jti = _token(harness, cc_client)
        _revoke(harness, cc_client, after)
        _eventually(lambda: after_jti in state.jtis, "a jti revoked on a replica reached the verifier")

        pb_grpc.TokenServiceStub(grpc_channel).RevokeClientTokens(
            pb.RevokeClientTokensRequest(client_id=cc_client[0]))
        _eventually(lambda: cc_client[0] in state.clients, "the deleted client's marker arrived")
        assert state.clients[cc_client[0]][0] >= int(time.time()) - 5

        expires = Timestamp()
        expires.FromSeconds(int(time.time()) + 600)
        session_relay(feed.hub)([ss.Revocation(sid="sid-new", expires_at=expires)])
        _eventually(lambda: "sid-new" in state.sessions, "a session revocation was relayed")
    finally:
        sub.stop()


def test_a_replica_that_loses_its_session_feed_makes_the_verifier_refuse_until_resynced(feed: Feed) -> None:
    state, sub = _subscribe(feed.target)
    try:
        feed.sessions.healthy = False
        _eventually(lambda: not state.healthy, "the verifier went on trusting a replica without a feed")
        time.sleep(0.5)
        assert not state.healthy  # reconnections are refused while the replica is not whole
        feed.sessions.healthy = True
        _eventually(lambda: state.healthy, "the verifier resynced", within=5)
    finally:
        sub.stop()


def test_a_replica_without_a_session_feed_refuses_to_serve_one(harness) -> None:
    servicer = RevocationFeedServicer(FeedHub(), None, lambda: None, lambda: True)  # type: ignore[arg-type]
    server, port, _ = create_server(0, _registrar(servicer), service_names=[], host="127.0.0.1")
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
            with pytest.raises(grpc.RpcError) as info:
                list(pb_grpc.RevocationFeedServiceStub(ch).WatchRevocations(pb.WatchRevocationsRequest()))
        assert info.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        server.stop(None)


def test_verifiers_beyond_the_limit_are_refused_and_never_take_the_unary_threads(harness) -> None:
    """Each open stream holds a server thread: past REVOCATION_FEED_MAX_STREAMS a verifier is
    told RESOURCE_EXHAUSTED (it retries), and the streams' threads are on top of GRPC_MAX_WORKERS."""
    settings = harness.settings
    hub, sessions = FeedHub(), SessionFeed()
    _publish, healthy, closers = relay(settings.REDIS_URL, settings.REDIS_KEY_PREFIX + "token:", hub)
    engine = engine_for(settings)
    servicer = RevocationFeedServicer(hub, sessions, jti_unit_of_work(SqlRefreshUnitOfWork(engine)), healthy,
                                      heartbeat_seconds=0.2, max_streams=1)
    server, port, _ = create_server(0, _registrar(servicer), service_names=[], host="127.0.0.1")
    try:
        _eventually(healthy, "subscribed to the revocation channel", within=10)
        _state, first = _subscribe(f"127.0.0.1:{port}")
        try:
            with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
                with pytest.raises(grpc.RpcError) as info:
                    next(iter(pb_grpc.RevocationFeedServiceStub(ch).WatchRevocations(
                        pb.WatchRevocationsRequest(), timeout=5)))
            assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        finally:
            first.stop()
    finally:
        server.stop(None)
        for close in closers:
            close()
        engine.dispose()
    assert settings.grpc_server_threads == settings.GRPC_MAX_WORKERS + settings.REVOCATION_FEED_MAX_STREAMS
