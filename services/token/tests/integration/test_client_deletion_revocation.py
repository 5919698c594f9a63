"""A deleted client's tokens, on real PostgreSQL and Redis with two replicas: RevokeClientTokens
with an empty user_id (what the authorization service's outbox sends when a client is
deleted) ends every refresh family of the client and refuses every access token it holds,
code flow and client_credentials alike, on ValidateToken, ext_authz, introspection and
userinfo of both replicas at once; it survives Redis losing its data; the record and the
Redis copy keep the latest point in time."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import grpc
import pytest
import redis
from authgate.token.v1 import token_pb2 as pb
from authgate.token.v1 import token_pb2_grpc as pb_grpc
from authgate_common.grpc_server import create_server
from authgate_common.testing import REDIS_URL, redis_prefix
from envoy.service.auth.v3 import attribute_context_pb2 as attr
from envoy.service.auth.v3 import external_auth_pb2 as ext
from envoy.service.auth.v3 import external_auth_pb2_grpc as ext_grpc
from token_service.adapters.deny_list import RedisDenyList
from token_service.adapters.refresh_repository import SqlRefreshUnitOfWork
from token_service.bootstrap import bootstrap, engine_for
from token_service.domain.revocation.jti_record import ClientRevocation
from token_service.entrypoints.grpc_api import SERVICE_NAMES

TOKEN = "/api/v1/oauth/token"


@pytest.fixture
def replica_b(harness) -> Iterator[str]:
    service = bootstrap(harness.settings)
    server, port, _ = create_server(0, service.register, service_names=SERVICE_NAMES, host="127.0.0.1")
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop(None)
        service.close()


def validate(target: str, token: str) -> grpc.StatusCode:
    with grpc.insecure_channel(target) as channel:
        try:
            pb_grpc.TokenServiceStub(channel).ValidateToken(pb.ValidateTokenRequest(token=token), timeout=10)
        except grpc.RpcError as err:
            return err.code()
    return grpc.StatusCode.OK


def ext_authz_status(target: str, token: str) -> int:
    request = ext.CheckRequest(attributes=attr.AttributeContext(
        request=attr.AttributeContext.Request(http=attr.AttributeContext.HttpRequest(
            method="GET", path="/api/v1/example/items", headers={"authorization": f"Bearer {token}"})),
        context_extensions={"required_scopes": "read"}))
    with grpc.insecure_channel(target) as channel:
        resp = ext_grpc.AuthorizationStub(channel).Check(request, timeout=10)
    return resp.denied_response.status.code if resp.HasField("denied_response") else 200


def revoke_client(target: str, client_id: str, user_id: str = "") -> int:
    with grpc.insecure_channel(target) as channel:
        return pb_grpc.TokenServiceStub(channel).RevokeClientTokens(pb.RevokeClientTokensRequest(
            user_id=user_id, client_id=client_id), timeout=10).revoked_families


def flush(harness) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=harness.settings.REDIS_KEY_PREFIX + "token:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def test_a_deleted_clients_tokens_are_refused_everywhere_at_once(
        harness, replica_b, app_client, lifecycle) -> None:
    sign_in, refresh = lifecycle
    client_id = app_client[0]
    harness.fakes.add_client(client_id, app_client[1], scopes="openid profile email read write",
                             grant_types=("authorization_code", "refresh_token", "client_credentials"))
    code_flow = [sign_in(harness, app_client), sign_in(harness, app_client)]
    own = harness.http.post(TOKEN, auth=app_client, data={"grant_type": "client_credentials"}).json()
    for tokens in (*code_flow, own):  # both replicas accept them first
        assert validate(replica_b, tokens["access_token"]) == grpc.StatusCode.OK

    assert revoke_client(harness.grpc_target, client_id) == 2
    assert revoke_client(harness.grpc_target, client_id) == 0  # the outbox may ask again

    for tokens in (*code_flow, own):
        for target in (harness.grpc_target, replica_b):
            assert validate(target, tokens["access_token"]) == grpc.StatusCode.UNAUTHENTICATED
            assert ext_authz_status(target, tokens["access_token"]) == 401
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert harness.http.get("/api/v1/userinfo/me", headers=bearer).status_code == 401
        assert harness.http.post("/api/v1/oauth/introspect", auth=app_client, data={
            "token": tokens["access_token"]}).json() == {"active": False}
    for tokens in code_flow:
        assert refresh(harness, app_client, tokens["refresh_token"]).json()["error"] == "invalid_grant"

    flush(harness)  # Redis lost its data: the record brings the revocation back
    for tokens in (*code_flow, own):
        assert validate(replica_b, tokens["access_token"]) == grpc.StatusCode.UNAUTHENTICATED


def test_other_clients_keep_theirs(harness, app_client, lifecycle) -> None:
    sign_in, _refresh = lifecycle
    tokens = sign_in(harness, app_client)
    assert revoke_client(harness.grpc_target, "gone-" + secrets.token_hex(4)) == 0
    assert validate(harness.grpc_target, tokens["access_token"]) == grpc.StatusCode.OK


def test_the_client_id_is_required(harness) -> None:
    with pytest.raises(grpc.RpcError) as err:
        revoke_client(harness.grpc_target, "")
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_redis_keeps_the_latest_point_in_time_and_one_round_trip() -> None:
    with redis_prefix("clientrevoke") as prefix:
        client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
        try:
            denied = RedisDenyList(client, prefix)
            denied.add_clients([("c", 200, 60)])
            denied.add_clients([("c", 100, 60)])  # an older row pushed by a sync: ignored
            assert denied.check("j", "c", 200) == (True, False)
            assert denied.check("j", "c", 201) == (False, False)
            assert denied.check("j", "d", 1) == (False, False)
            assert 0 < client.ttl(prefix + "revoked:client:c") <= 60
        finally:
            client.close()


def test_the_record_keeps_the_latest_and_purges_expired(harness) -> None:
    engine = engine_for(harness.settings)
    uow, client_id = SqlRefreshUnitOfWork(engine), "c-" + secrets.token_hex(4)
    now = datetime.now(UTC)
    later = ClientRevocation(client_id, now, now + timedelta(minutes=5))
    try:
        with uow() as repo:
            repo.jtis.revoke_client(later)
            repo.jtis.revoke_client(ClientRevocation(client_id, now - timedelta(hours=1), now))
        with uow() as repo:
            mine = [c for c in repo.jtis.revoked_clients(now) if c.client_id == client_id]
            assert mine == [later]
            assert [c for c in repo.jtis.revoked_clients(now, since=now + timedelta(seconds=1))
                    if c.client_id == client_id] == []
            repo.jtis.purge(now + timedelta(minutes=10), limit=1000)
        with uow() as repo:
            assert [c for c in repo.jtis.revoked_clients(now - timedelta(days=1))
                    if c.client_id == client_id] == []
    finally:
        engine.dispose()
