"""authgate.token.v1.TokenService/ValidateToken on the real servicer (port 0), as an
internal caller sees it: claims back, or the gRPC status and the RFC 6750 error code."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from datetime import UTC, datetime

import grpc
import pytest
from authgate.token.v1 import token_pb2 as pb
from authgate.token.v1 import token_pb2_grpc as pb_grpc
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from token_service.domain.keys.key_set import KeySet, generate_signing_key
from token_service.domain.tokens.minting import AccessTokenRequest, TokenMinter


def _token(harness, sid: str = "", scopes=("openid", "read")) -> str:
    if sid:
        harness.fakes.live_sids.add(sid)
    return harness.service.minter.access_token(AccessTokenRequest(
        subject="u1", client_id="web", scopes=list(scopes), sid=sid)).token


def _fails(channel, request) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as err:
        pb_grpc.TokenServiceStub(channel).ValidateToken(request, timeout=5)
    return err.value


def _error_code(err: grpc.RpcError) -> str:
    return dict(err.trailing_metadata() or ())["authgate-oauth-error"]


def test_valid_token_returns_its_claims(harness, grpc_channel) -> None:
    token = _token(harness, sid="sid-rpc")
    resp = pb_grpc.TokenServiceStub(grpc_channel).ValidateToken(
        pb.ValidateTokenRequest(token=token, required_scopes=["read"], audience="web"), timeout=5)
    assert resp.sub == "u1" and resp.client_id == "web" and resp.sid == "sid-rpc"
    assert list(resp.scopes) == ["openid", "read"] and list(resp.aud) == ["web"]
    assert resp.iss == "https://auth.example" and resp.exp - resp.iat == 900 and resp.jti
    assert json.loads(resp.claims_json)["jti"] == resp.jti


def test_tampered_token_is_unauthenticated(harness, grpc_channel) -> None:
    header, payload, signature = _token(harness).split(".")
    err = _fails(grpc_channel, pb.ValidateTokenRequest(token=f"{header}.{payload}x.{signature}"))
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED
    assert _error_code(err) == "invalid_token"
    assert payload not in (err.details() or "")


def test_missing_scope_is_permission_denied(harness, grpc_channel) -> None:
    err = _fails(grpc_channel, pb.ValidateTokenRequest(token=_token(harness), required_scopes=["admin"]))
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    assert _error_code(err) == "insufficient_scope"


def test_wrong_audience_and_empty_token_are_unauthenticated(harness, grpc_channel) -> None:
    for request in (pb.ValidateTokenRequest(token=_token(harness), audience="https://other.example"),
                    pb.ValidateTokenRequest(token="")):
        err = _fails(grpc_channel, request)
        assert err.code() == grpc.StatusCode.UNAUTHENTICATED and _error_code(err) == "invalid_token"


def test_token_of_a_revoked_session_is_unauthenticated(harness, grpc_channel) -> None:
    token = _token(harness, sid="sid-short")
    assert pb_grpc.TokenServiceStub(grpc_channel).ValidateToken(pb.ValidateTokenRequest(token=token)).sub
    harness.fakes.live_sids.discard("sid-short")
    err = _fails(grpc_channel, pb.ValidateTokenRequest(token=token))
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED and _error_code(err) == "invalid_token"


def test_health_service_is_registered(harness, grpc_channel) -> None:
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    resp = health_pb2_grpc.HealthStub(grpc_channel).Check(
        health_pb2.HealthCheckRequest(service="authgate.token.v1.TokenService"), timeout=5)
    assert resp.status == health_pb2.HealthCheckResponse.SERVING


# --- the refusal matrix: every forged, stale or revoked token is UNAUTHENTICATED invalid_token ---

def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _forge(header: dict, claims: dict, sign) -> str:  # type: ignore[type-arg]
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{_b64(sign(signing_input.encode()))}"


def _claims(**kw) -> dict:  # type: ignore[type-arg]
    now = int(time.time())
    return {"iss": "https://auth.example", "sub": "u1", "aud": ["web"], "exp": now + 600, "iat": now,
            "jti": secrets.token_hex(8), "client_id": "web", "scope": "openid read admin", **kw}


def _rs256(keys):
    private = keys.signing_key.prepared_key
    return lambda data: private.sign(data, padding.PKCS1v15(), hashes.SHA256())


def _matrix(harness) -> dict[str, str]:
    keys = harness.service.keys
    ours = {"alg": "RS256", "typ": "at+jwt", "kid": keys.current_kid}
    stranger = KeySet([generate_signing_key(datetime.now(UTC))])
    pem = keys.signing_key.prepared_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    past = TokenMinter(keys, "https://auth.example", 900, 900, clock=lambda: time.time() - 3600)
    elsewhere = TokenMinter(keys, "https://evil.example", 900, 900)
    revoked = _token(harness)
    jti = json.loads(base64.urlsafe_b64decode(revoked.split(".")[1] + "=="))["jti"]
    harness.service.ledger.revoke_jti(jti)
    ended = _token(harness, sid="sid-ended-" + secrets.token_hex(3))
    harness.fakes.live_sids.discard(json.loads(base64.urlsafe_b64decode(ended.split(".")[1] + "=="))["sid"])
    header, payload, signature = _token(harness).split(".")
    flipped = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    plain = AccessTokenRequest(subject="u1", client_id="web", scopes=["read"])
    return {
        "expired": past.access_token(plain).token,
        "tampered": f"{header}.{flipped}.{signature}",
        "alg none": _forge({**ours, "alg": "none"}, _claims(), lambda _d: b""),
        "hs256 with the public key": _forge({**ours, "alg": "HS256"}, _claims(),
                                            lambda d: hmac.new(pem, d, hashlib.sha256).digest()),
        "unknown kid": _forge({**ours, "kid": stranger.current_kid}, _claims(), _rs256(stranger)),
        "our kid, another key": _forge(ours, _claims(), _rs256(stranger)),
        "wrong iss": elsewhere.access_token(plain).token,
        "revoked jti": revoked,
        "revoked session": ended,
        "id token, not an access token": _forge({**ours, "typ": "JWT"}, _claims(), _rs256(keys)),
    }


def test_the_refusal_matrix(harness, grpc_channel) -> None:
    assert pb_grpc.TokenServiceStub(grpc_channel).ValidateToken(pb.ValidateTokenRequest(
        token=_forge({"alg": "RS256", "typ": "at+jwt", "kid": harness.service.keys.current_kid},
                     _claims(), _rs256(harness.service.keys))), timeout=5).sub == "u1"  # the control
    for name, token in _matrix(harness).items():
        err = _fails(grpc_channel, pb.ValidateTokenRequest(token=token))
        assert err.code() == grpc.StatusCode.UNAUTHENTICATED, name
        assert _error_code(err) == "invalid_token", name


def test_the_audience_asked_for_is_enforced(harness, grpc_channel) -> None:
    token = harness.service.minter.access_token(AccessTokenRequest(
        subject="u1", client_id="web", scopes=["read"], audiences=["https://api.example", "https://b.example"]))
    stub = pb_grpc.TokenServiceStub(grpc_channel)
    for audience in ("https://api.example", "https://b.example", ""):
        resp = stub.ValidateToken(pb.ValidateTokenRequest(token=token.token, audience=audience), timeout=5)
        assert list(resp.aud) == ["https://api.example", "https://b.example"]
    for audience in ("web", "https://api.example/", "https://other.example"):
        err = _fails(grpc_channel, pb.ValidateTokenRequest(token=token.token, audience=audience))
        assert err.code() == grpc.StatusCode.UNAUTHENTICATED and _error_code(err) == "invalid_token"


def test_unknown_revocation_state_is_unavailable(harness, grpc_channel) -> None:
    token = _token(harness, sid="sid-" + secrets.token_hex(3))
    harness.fakes.session_down = True
    try:
        err = _fails(grpc_channel, pb.ValidateTokenRequest(token=token))
    finally:
        harness.fakes.session_down = False
    assert err.code() == grpc.StatusCode.UNAVAILABLE
