"""grant_type=client_credentials (RFC 6749 §4.4) over HTTP, then used against ValidateToken."""

from __future__ import annotations

import secrets

import pytest
from authgate.token.v1 import token_pb2 as pb
from authgate.token.v1 import token_pb2_grpc as pb_grpc
from authgate_common.core.admin_scope import admin_audience

TOKEN = "/api/v1/oauth/token"


@pytest.fixture
def service_client(harness):
    client = ("svc-" + secrets.token_hex(4), secrets.token_urlsafe(32))
    harness.fakes.add_client(*client, grant_types=("client_credentials",), scopes="openid read write",
                             audiences=("https://api.example",))
    return client


def test_client_credentials_token(harness, service_client, grpc_channel) -> None:
    resp = harness.http.post(TOKEN, auth=service_client, data={"grant_type": "client_credentials"})
    assert resp.status_code == 200 and resp.headers["cache-control"] == "no-store"
    body = resp.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["scope"] == "read write"
    claims = pb_grpc.TokenServiceStub(grpc_channel).ValidateToken(pb.ValidateTokenRequest(
        token=body["access_token"], required_scopes=["write"], audience="https://api.example"), timeout=5)
    assert claims.sub == service_client[0] and claims.client_id == service_client[0] and claims.sid == ""


@pytest.mark.parametrize(("scope", "error"), [("read admin", "invalid_scope"), ("openid", "invalid_scope")])
def test_scope_beyond_the_client_is_refused(harness, service_client, scope, error) -> None:
    resp = harness.http.post(TOKEN, auth=service_client, data={"grant_type": "client_credentials",
                                                               "scope": scope})
    assert resp.status_code == 400 and resp.json()["error"] == error


def test_public_and_unregistered_clients_are_refused(harness, app_client) -> None:
    harness.fakes.add_client("pub-cc", public=True, grant_types=("client_credentials",))
    public = harness.http.post(TOKEN, data={"grant_type": "client_credentials", "client_id": "pub-cc"})
    assert public.status_code == 400 and public.json()["error"] == "unauthorized_client"
    plain = harness.http.post(TOKEN, auth=app_client, data={"grant_type": "client_credentials"})
    assert plain.status_code == 400 and plain.json()["error"] == "unauthorized_client"


def _admin_client(harness, admin: bool) -> tuple[str, str]:
    client = ("ops-" + secrets.token_hex(4), secrets.token_urlsafe(32))
    harness.fakes.add_client(*client, grant_types=("client_credentials", "authorization_code"),
                             scopes="openid read admin:users admin:audit", admin=admin)
    return client


def test_an_admin_client_obtains_an_admin_token_for_the_admin_api(harness, grpc_channel) -> None:
    client = _admin_client(harness, admin=True)
    resp = harness.http.post(TOKEN, auth=client, data={"grant_type": "client_credentials",
                                                       "scope": "admin:users"})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["scope"] == "admin:users"
    claims = pb_grpc.TokenServiceStub(grpc_channel).ValidateToken(pb.ValidateTokenRequest(
        token=body["access_token"], required_scopes=["admin:users"],
        audience=admin_audience(harness.settings.issuer)), timeout=5)
    assert claims.sub == client[0] and "admin:users" in claims.scopes


def test_a_non_admin_client_asking_an_admin_scope_gets_invalid_scope(harness) -> None:
    client = _admin_client(harness, admin=False)
    resp = harness.http.post(TOKEN, auth=client, data={"grant_type": "client_credentials",
                                                       "scope": "read admin:users"})
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_scope"


def test_the_code_grant_never_yields_an_admin_scope(harness, grpc_channel, lifecycle) -> None:
    sign_in, _ = lifecycle
    client = _admin_client(harness, admin=True)
    body = sign_in(harness, client, scopes="openid read admin:users")
    assert body["scope"] == "openid read"
    claims = pb_grpc.TokenServiceStub(grpc_channel).ValidateToken(pb.ValidateTokenRequest(
        token=body["access_token"], audience=client[0]), timeout=5)
    assert list(claims.scopes) == ["openid", "read"]
    assert admin_audience(harness.settings.issuer) not in claims.aud
