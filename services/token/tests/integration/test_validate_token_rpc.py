"""authgate.token.v1.TokenService/ValidateToken on the real servicer (port 0), as an
internal caller sees it: claims back, or the gRPC status and the RFC 6750 error code."""

from __future__ import annotations

import json

import grpc
import pytest
from authgate.token.v1 import token_pb2 as pb
from authgate.token.v1 import token_pb2_grpc as pb_grpc
from token_service.domain.minting import AccessTokenRequest


def _token(harness, sid: str = "", scopes=("openid", "read")) -> str:  # type: ignore[no-untyped-def]
    if sid:
        harness.fakes.live_sids.add(sid)
    return harness.service.minter.access_token(AccessTokenRequest(
        subject="u1", client_id="web", scopes=list(scopes), sid=sid)).token


def _fails(channel, request) -> grpc.RpcError:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.RpcError) as err:
        pb_grpc.TokenServiceStub(channel).ValidateToken(request, timeout=5)
    return err.value


def _error_code(err: grpc.RpcError) -> str:
    return dict(err.trailing_metadata() or ())["authgate-oauth-error"]


def test_valid_token_returns_its_claims(harness, grpc_channel) -> None:  # type: ignore[no-untyped-def]
    token = _token(harness, sid="sid-rpc")
    resp = pb_grpc.TokenServiceStub(grpc_channel).ValidateToken(
        pb.ValidateTokenRequest(token=token, required_scopes=["read"], audience="web"), timeout=5)
    assert resp.sub == "u1" and resp.client_id == "web" and resp.sid == "sid-rpc"
    assert list(resp.scopes) == ["openid", "read"] and list(resp.aud) == ["web"]
    assert resp.iss == "https://auth.example" and resp.exp - resp.iat == 900 and resp.jti
    assert json.loads(resp.claims_json)["jti"] == resp.jti


def test_tampered_token_is_unauthenticated(harness, grpc_channel) -> None:  # type: ignore[no-untyped-def]
    header, payload, signature = _token(harness).split(".")
    err = _fails(grpc_channel, pb.ValidateTokenRequest(token=f"{header}.{payload}x.{signature}"))
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED
    assert _error_code(err) == "invalid_token"
    assert payload not in (err.details() or "")


def test_missing_scope_is_permission_denied(harness, grpc_channel) -> None:  # type: ignore[no-untyped-def]
    err = _fails(grpc_channel, pb.ValidateTokenRequest(token=_token(harness), required_scopes=["admin"]))
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    assert _error_code(err) == "insufficient_scope"


def test_wrong_audience_and_empty_token_are_unauthenticated(harness, grpc_channel) -> None:  # type: ignore[no-untyped-def]
    for request in (pb.ValidateTokenRequest(token=_token(harness), audience="https://other.example"),
                    pb.ValidateTokenRequest(token="")):
        err = _fails(grpc_channel, request)
        assert err.code() == grpc.StatusCode.UNAUTHENTICATED and _error_code(err) == "invalid_token"


def test_token_of_a_revoked_session_is_unauthenticated(harness, grpc_channel) -> None:  # type: ignore[no-untyped-def]
    token = _token(harness, sid="sid-short")
    assert pb_grpc.TokenServiceStub(grpc_channel).ValidateToken(pb.ValidateTokenRequest(token=token)).sub
    harness.fakes.live_sids.discard("sid-short")
    err = _fails(grpc_channel, pb.ValidateTokenRequest(token=token))
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED and _error_code(err) == "invalid_token"


def test_health_service_is_registered(harness, grpc_channel) -> None:  # type: ignore[no-untyped-def]
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    resp = health_pb2_grpc.HealthStub(grpc_channel).Check(
        health_pb2.HealthCheckRequest(service="authgate.token.v1.TokenService"), timeout=5)
    assert resp.status == health_pb2.HealthCheckResponse.SERVING
