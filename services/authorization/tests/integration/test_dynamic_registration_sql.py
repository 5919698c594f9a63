"""Dynamic client registration on real PostgreSQL: the operator's CreateInitialAccessToken
over gRPC, registration spending its uses atomically (concurrent registrations never
overspend), the registration row gone with its client, management by its token."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from authgate.authorization.v1 import authorization_pb2 as az
from google.protobuf.duration_pb2 import Duration

REGISTER = "/api/v1/oauth/register"
APP = {"redirect_uris": ["https://app.example/dcr/cb"], "client_name": "DCR app", "scope": "openid"}


def _mint(harness, grpc_channel, uses: int) -> az.CreateInitialAccessTokenResponse:
    ttl = Duration(seconds=600)
    return harness.stub(grpc_channel).CreateInitialAccessToken(
        az.CreateInitialAccessTokenRequest(ttl=ttl, uses=uses))


def _register(harness, token: str):
    return harness.http.post(REGISTER, json=APP, headers={"Authorization": f"Bearer {token}"})


def test_an_initial_token_registers_as_many_clients_as_its_uses_even_concurrently(harness, grpc_channel):
    minted = _mint(harness, grpc_channel, uses=3)
    assert minted.token and minted.expires_at.seconds > 0
    with ThreadPoolExecutor(6) as pool:
        codes = sorted(pool.map(lambda _: _register(harness, minted.token).status_code, range(6)))
    assert codes == [201, 201, 201, 401, 401, 401]


def test_registered_client_is_in_the_registry_and_deleted_with_its_registration(harness, grpc_channel):
    body = _register(harness, _mint(harness, grpc_channel, uses=1).token).json()
    client = harness.stub(grpc_channel).GetClient(az.GetClientRequest(client_id=body["client_id"])).client
    assert not client.first_party and not client.admin and list(client.scopes) == ["openid"]
    path = body["registration_client_uri"].removeprefix(harness.settings.issuer)
    auth = {"Authorization": f"Bearer {body['registration_access_token']}"}
    assert harness.http.get(path, headers=auth).json()["client_name"] == "DCR app"
    changed = {**APP, "client_id": body["client_id"], "client_name": "renamed"}
    assert harness.http.put(path, json=changed, headers=auth).json()["client_name"] == "renamed"
    assert harness.http.delete(path, headers=auth).status_code == 204
    assert harness.http.get(path, headers=auth).status_code == 401
