"""Revoked access tokens survive Redis losing its data (issue 7), on real PostgreSQL and Redis
with two replicas of the service: PostgreSQL is the record, Redis a copy reloaded on demand;
the deny-list adapter's lock and completeness marker on real Redis; the record's purge."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import grpc
import pytest
import redis
from authgate.token.v1 import token_pb2 as pb
from authgate.token.v1 import token_pb2_grpc as pb_grpc
from authgate_common.grpc_server import create_server
from authgate_common.testing import REDIS_URL, redis_prefix
from token_service.adapters.deny_list import RedisDenyList
from token_service.adapters.refresh_repository import SqlRefreshUnitOfWork
from token_service.bootstrap import bootstrap, engine_for
from token_service.domain.revocation.jti_record import JtiEntry
from token_service.entrypoints.grpc_api import SERVICE_NAMES

REDIRECT = "https://app.example/cb"


@pytest.fixture
def replica_b(harness) -> Iterator[str]:
    """A second replica on the harness's database and Redis prefix; its gRPC target."""
    service = bootstrap(harness.settings)
    server, port, _ = create_server(0, service.register, service_names=SERVICE_NAMES, host="127.0.0.1")
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop(None)
        service.close()


def flush(harness) -> int:
    """What a Redis restart without persistence does to the token service: its keys are gone."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=harness.settings.REDIS_KEY_PREFIX + "token:*", count=1000))
        if keys:
            client.delete(*keys)
        return len(keys)
    finally:
        client.close()


def validate(target: str, token: str) -> grpc.StatusCode:
    with grpc.insecure_channel(target) as channel:
        try:
            pb_grpc.TokenServiceStub(channel).ValidateToken(pb.ValidateTokenRequest(token=token), timeout=10)
        except grpc.RpcError as err:
            return err.code()
    return grpc.StatusCode.OK


def exchange(harness, client: tuple[str, str], code: str):
    return harness.http.post("/api/v1/oauth/token", auth=client, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
        "code_verifier": "v" * 43})


def test_revoked_tokens_stay_revoked_on_every_replica_after_redis_is_flushed(
        harness, replica_b, app_client, lifecycle) -> None:
    sign_in, refresh = lifecycle
    revoked = sign_in(harness, app_client)
    assert harness.http.post("/api/v1/oauth/revoke", auth=app_client,
                             data={"token": revoked["access_token"]}).status_code == 200
    code = harness.fakes.add_code(app_client[0], "openid read")
    replayed = exchange(harness, app_client, code).json()
    assert exchange(harness, app_client, code).json()["error"] == "invalid_grant"
    reused = sign_in(harness, app_client)
    successor = refresh(harness, app_client, reused["refresh_token"]).json()
    assert refresh(harness, app_client, reused["refresh_token"]).json()["error"] == "invalid_grant"
    live = sign_in(harness, app_client)
    dead = [revoked, replayed, reused, successor]

    assert flush(harness) > 0

    for target in (replica_b, harness.grpc_target):  # the first one to look reloads
        assert [validate(target, t["access_token"]) for t in dead] == [grpc.StatusCode.UNAUTHENTICATED] * 4
        assert validate(target, live["access_token"]) == grpc.StatusCode.OK
    for tokens in dead:
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert harness.http.get("/api/v1/userinfo/me", headers=bearer).status_code == 401
        assert harness.http.post("/api/v1/oauth/introspect", auth=app_client, data={
            "token": tokens["access_token"]}).json() == {"active": False}
    assert refresh(harness, app_client, live["refresh_token"]).status_code == 200


class CountingConnection(redis.Connection):
    """Records the name of each command sent on its own (a pipeline is sent otherwise)."""

    sent: ClassVar[list[str]] = []

    def send_command(self, *args, **kwargs):
        self.sent.append(str(args[0]))
        return super().send_command(*args, **kwargs)


@pytest.fixture
def deny_list() -> Iterator[tuple[RedisDenyList, redis.Redis, str]]:
    with redis_prefix("denylist") as prefix:
        client = redis.Redis.from_url(REDIS_URL, decode_responses=True, connection_class=CountingConnection,
                                      client_name=f"denylist-{secrets.token_hex(4)}")
        CountingConnection.sent = []
        try:
            yield RedisDenyList(client, prefix), client, prefix
        finally:
            client.close()


def test_a_check_is_one_round_trip_and_reads_the_marker(deny_list) -> None:
    denied, _client, _prefix = deny_list
    sent = CountingConnection.sent
    denied.add([("j-1", 60)])
    denied.check("j-0")  # this thread's connection opens (its handshake is not a check's)
    sent.clear()
    assert denied.check("j-1") == (True, False) and denied.check("j-2") == (False, False)
    assert sent == ["MGET", "MGET"]


def test_a_check_survives_its_connection_being_dropped(deny_list) -> None:
    """Every connection of the deny-list killed by Redis (its check's own among them): the
    check still answers (once more the ordinary way), and the next one reconnects."""
    denied, client, _prefix = deny_list
    denied.add([("j-1", 60)])
    assert denied.check("j-1") == (True, False)
    name = client.connection_pool.connection_kwargs["client_name"]
    admin = redis.Redis.from_url(REDIS_URL)
    try:
        mine = [c["id"] for c in admin.client_list() if c.get("name") == name]
        for client_id in mine:
            admin.client_kill_filter(_id=client_id)
    finally:
        admin.close()
    assert len(mine) == 2  # the pool's and the check's
    assert denied.check("j-1") == (True, False) and denied.check("j-2") == (False, False)


def test_only_the_lock_holder_marks_the_list_complete(deny_list) -> None:
    denied, client, prefix = deny_list
    assert denied.claim_rebuild("a", 30) and not denied.claim_rebuild("b", 30)
    assert not denied.complete_rebuild("b")
    denied.release_rebuild("b")  # not b's lock: still a's
    assert not denied.claim_rebuild("b", 30)
    assert denied.complete_rebuild("a") and denied.is_complete()
    assert denied.check("j-1") == (False, True)
    assert client.ttl(prefix + "revoked:complete") == -1  # no expiry


def test_a_reload_interrupted_by_data_loss_is_not_marked_complete(deny_list) -> None:
    denied, client, prefix = deny_list
    assert denied.claim_rebuild("a", 30)
    denied.add([("j-1", 60)])
    client.delete(prefix + "revoked:reloading", prefix + "revoked:jti:j-1")  # Redis restarted mid-reload
    assert not denied.complete_rebuild("a") and not denied.is_complete()


def test_the_record_keeps_the_first_revocation_and_purges_in_bounded_batches(harness) -> None:
    engine = engine_for(harness.settings)
    uow, tag = SqlRefreshUnitOfWork(engine), "t-" + secrets.token_hex(4)
    now = datetime.now(UTC)
    past, future = now - timedelta(hours=1), now + timedelta(minutes=10)
    try:
        with uow() as repo:
            repo.jtis.revoke([JtiEntry(f"{tag}-1", past), JtiEntry(f"{tag}-2", past),
                              JtiEntry(f"{tag}-3", future)], now)
            repo.jtis.revoke([JtiEntry(f"{tag}-3", future + timedelta(days=1))], now)  # again: no change
        with uow() as repo:
            mine = [e for e in repo.jtis.revoked(now) if e.jti.startswith(tag)]  # unexpired only
            assert [(e.jti, e.expires_at) for e in mine] == [(f"{tag}-3", future)]
            assert repo.jtis.purge(now, limit=1) == 1
        with uow() as repo:
            repo.jtis.purge(now, limit=1000)
            left = [e.jti for e in repo.jtis.revoked(now - timedelta(days=2)) if e.jti.startswith(tag)]
        assert left == [f"{tag}-3"]
    finally:
        engine.dispose()
