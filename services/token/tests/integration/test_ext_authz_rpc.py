"""envoy.service.auth.v3.Authorization/Check over real gRPC (port 0), as Envoy calls it:
200 with the x-auth-* upstream headers, 401 with the Bearer challenge, 403
insufficient_scope, 503 when revocation state cannot be checked; DPoP-bound tokens need
their proof (RFC 9449)."""

from __future__ import annotations

import json
import secrets

import pytest
from authgate_dpop import DPoPKey
from envoy.service.auth.v3 import attribute_context_pb2 as attr
from envoy.service.auth.v3 import external_auth_pb2 as ext
from envoy.service.auth.v3 import external_auth_pb2_grpc as ext_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from token_service.domain.tokens.minting import AccessTokenRequest


def _check(channel, headers: dict[str, str], required: str = "read", **extensions: str):
    request = ext.CheckRequest(attributes=attr.AttributeContext(
        request=attr.AttributeContext.Request(http=attr.AttributeContext.HttpRequest(
            method="GET", path="/api/v1/example/items", headers=headers)),
        context_extensions={"required_scopes": required, **extensions}))
    return ext_grpc.AuthorizationStub(channel).Check(request, timeout=5)


def _headers(options) -> dict[str, str]:
    return {o.header.key: o.header.value for o in options}


@pytest.fixture
def access(harness) -> str:
    sid = "sid-" + secrets.token_hex(4)
    harness.fakes.live_sids.add(sid)
    return harness.service.minter.access_token(AccessTokenRequest(
        subject="u1", client_id="web", scopes=["read", "write"], sid=sid,
        audiences=["https://api.example"])).token


def test_allowed_with_the_verified_headers(grpc_channel, access) -> None:
    resp = _check(grpc_channel, {"authorization": f"Bearer {access}", "x-auth-sub": "admin"},
                  "read write", audience="https://api.example")
    assert resp.status.code == 0 and resp.HasField("ok_response")
    headers = _headers(resp.ok_response.headers)
    assert headers["x-auth-sub"] == "u1" and headers["x-auth-scope"] == "read write"
    assert headers["x-auth-client-id"] == "web" and headers["x-auth-sid"].startswith("sid-")


@pytest.mark.parametrize("headers", [{}, {"authorization": "Bearer not-a-jwt"},
                                     {"authorization": "Basic dTpw"}])
def test_no_or_bad_token_is_401(grpc_channel, headers) -> None:
    resp = _check(grpc_channel, headers)
    assert resp.HasField("denied_response") and resp.denied_response.status.code == 401
    denied = _headers(resp.denied_response.headers)
    assert denied["www-authenticate"].startswith('Bearer realm="authgate"')
    assert json.loads(resp.denied_response.body)["error"] == "invalid_token"


def test_wrong_audience_and_revoked_session_are_401(harness, grpc_channel, access) -> None:
    assert _check(grpc_channel, {"authorization": f"Bearer {access}"},
                  audience="https://other.example").denied_response.status.code == 401
    harness.fakes.live_sids.discard(harness.service.validator.validate(access)["sid"])
    assert _check(grpc_channel, {"authorization": f"Bearer {access}"}).denied_response.status.code == 401


def test_missing_scope_is_403(grpc_channel, access) -> None:
    resp = _check(grpc_channel, {"authorization": f"Bearer {access}"}, "admin")
    assert resp.denied_response.status.code == 403
    assert 'error="insufficient_scope"' in _headers(resp.denied_response.headers)["www-authenticate"]
    assert json.loads(resp.denied_response.body)["error"] == "insufficient_scope"


def test_session_service_down_is_503(harness, grpc_channel, access) -> None:
    harness.fakes.session_down = True
    try:
        resp = _check(grpc_channel, {"authorization": f"Bearer {access}"})
    finally:
        harness.fakes.session_down = False
    assert resp.denied_response.status.code == 503 and not resp.HasField("ok_response")


def test_the_authorization_service_is_in_health(grpc_channel) -> None:
    resp = health_pb2_grpc.HealthStub(grpc_channel).Check(
        health_pb2.HealthCheckRequest(service="envoy.service.auth.v3.Authorization"), timeout=5)
    assert resp.status == health_pb2.HealthCheckResponse.SERVING


def test_a_dpop_bound_token_needs_its_proof_once_across_the_real_store(harness, grpc_channel) -> None:
    """RFC 9449 over the real Check: the proof names the client's request as the gateway
    saw it (x-forwarded-proto, Host, path without the query); its jti is remembered in Redis,
    so the same proof again is refused; the upstream learns the bound key."""
    key = DPoPKey.generate()
    sid = "sid-" + secrets.token_hex(4)
    harness.fakes.live_sids.add(sid)
    token = harness.service.minter.access_token(AccessTokenRequest(
        subject="u1", client_id="web", scopes=["read"], sid=sid, dpop_jkt=key.jkt)).token
    url = "https://gw.example/api/v1/example/items"
    headers = {"authorization": f"DPoP {token}", "x-forwarded-proto": "https",
               "dpop": key.proof("GET", url, access_token=token)}
    request = ext.CheckRequest(attributes=attr.AttributeContext(
        request=attr.AttributeContext.Request(http=attr.AttributeContext.HttpRequest(
            method="GET", host="gw.example", path="/api/v1/example/items?page=2", headers=headers)),
        context_extensions={"required_scopes": "read"}))
    stub = ext_grpc.AuthorizationStub(grpc_channel)
    resp = stub.Check(request, timeout=5)
    assert resp.HasField("ok_response"), resp
    assert _headers(resp.ok_response.headers)["x-auth-cnf-jkt"] == key.jkt
    again = stub.Check(request, timeout=5)
    assert again.denied_response.status.code == 401
    assert json.loads(again.denied_response.body)["error"] == "invalid_dpop_proof"
    assert _headers(again.denied_response.headers)["www-authenticate"].startswith('DPoP algs="')
    as_bearer = _check(grpc_channel, {"authorization": f"Bearer {token}"})
    assert as_bearer.denied_response.status.code == 401
    assert _headers(as_bearer.denied_response.headers)["www-authenticate"].startswith("DPoP ")
