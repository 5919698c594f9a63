"""OAuthError maps once per transport: RFC 6749 §5.2 JSON over HTTP, status + metadata over gRPC."""

from __future__ import annotations

import grpc
import pytest
from authgate_common import grpc_errors
from authgate_common.core import errors
from authgate_common.http import create_app
from fastapi import Form
from fastapi.testclient import TestClient


def _app():
    app = create_app("t", max_body_bytes=100)

    @app.post("/boom/{kind}")
    def boom(kind: str) -> dict:
        if kind == "client":
            raise errors.InvalidClient()
        if kind == "token":
            raise errors.InvalidToken("expired")
        if kind == "crash":
            raise RuntimeError("secret detail")
        raise errors.InvalidGrant("bad code", detail="log only")

    @app.post("/form")
    def form(a: str = Form(...)) -> dict:
        return {"a": a}

    return app


def test_oauth_errors_become_rfc6749_json() -> None:
    client = TestClient(_app(), raise_server_exceptions=False)
    resp = client.post("/boom/grant")
    assert resp.status_code == 400
    assert resp.json() == {"error": "invalid_grant", "error_description": "bad code"}
    assert resp.headers["cache-control"] == "no-store"
    resp = client.post("/boom/client")
    assert resp.status_code == 401 and resp.headers["www-authenticate"].startswith("Basic")
    resp = client.post("/boom/token")
    assert resp.status_code == 401 and 'error="invalid_token"' in resp.headers["www-authenticate"]


def test_anything_else_is_server_error_without_detail() -> None:
    resp = TestClient(_app(), raise_server_exceptions=False).post("/boom/crash")
    assert resp.status_code == 500
    assert resp.json()["error"] == "server_error"
    assert "secret detail" not in resp.text


def test_validation_errors_are_invalid_request_and_bodies_are_limited() -> None:
    client = TestClient(_app())
    resp = client.post("/form", data={})
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_request"
    resp = client.post("/form", content=b"a=" + b"x" * 200,
                       headers={"content-type": "application/x-www-form-urlencoded"})
    assert resp.status_code == 413


@pytest.mark.parametrize("cls", [errors.InvalidGrant, errors.InvalidClient, errors.InvalidToken,
                                 errors.InsufficientScope, errors.TemporarilyUnavailable])
def test_rpc_errors_turn_back_into_the_same_oauth_error(cls: type[errors.OAuthError]) -> None:
    class FakeRpcError(grpc.RpcError):
        def code(self) -> grpc.StatusCode:
            return grpc.StatusCode[cls.grpc_code]

        def trailing_metadata(self):
            return ((errors.ERROR_KEY, cls.error), (errors.DESCRIPTION_KEY, "why"),
                    ("authgate-replayed-grant-id", "g1"))

    with pytest.raises(cls) as info:
        grpc_errors.raise_from_rpc_error(FakeRpcError())
    assert info.value.description == "why"
    assert info.value.metadata["authgate-replayed-grant-id"] == "g1"


def test_a_description_beyond_ascii_crosses_grpc_metadata_intact() -> None:
    text = "RFC 6749 §3.3: « scope » invalide — 100% sûr"
    sent = grpc_errors.encode_description(text)
    assert sent.isascii() and sent.isprintable()
    assert grpc_errors.decode_description(sent) == text
    assert grpc_errors.encode_description("plain: a-b_c (d)") == "plain: a-b_c (d)"
