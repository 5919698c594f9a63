"""The gateway is the only public entry: public routes only, limits, request ids, docs."""

from __future__ import annotations

import secrets
import time

import httpx
from authgate_devstack.stack import Stack
from flowkit import Flow


def test_unknown_paths_and_grpc_services_are_not_routed(flow: Flow) -> None:
    for path in ["/authgate.token.v1.TokenService/ValidateToken",
                 "/authgate.identity.v1.IdentityService/ListUsers",
                 "/grpc.health.v1.Health/Check", "/healthz", "/admin", "/stats"]:
        resp = httpx.post(f"{flow.base}{path}", content=b"\x00\x00\x00\x00\x00")
        assert resp.status_code == 404, path
        assert resp.json()["error"] == "not_found"
        # Spoken as gRPC, Envoy's local reply becomes a gRPC error: never a served call.
        grpc = httpx.post(f"{flow.base}{path}", content=b"\x00\x00\x00\x00\x00",
                          headers={"content-type": "application/grpc", "te": "trailers"})
        assert grpc.headers.get("grpc-status") not in (None, "0"), path
        assert grpc.content == b"", path


def test_oversized_body_is_refused(flow: Flow) -> None:
    resp = httpx.post(f"{flow.base}/api/v1/oauth/token", content=b"a=" + b"x" * 200_000,
                      headers={"content-type": "application/x-www-form-urlencoded"})
    assert resp.status_code == 413


def test_responses_carry_a_request_id_to_the_upstream(flow: Flow, stack: Stack) -> None:
    resp = httpx.get(f"{flow.base}/.well-known/openid-configuration")
    assert resp.status_code == 200
    assert (stack.workdir / "envoy.log").read_text().count('"request_id"') >= 1


def test_swagger_ui_and_the_public_openapi_document(flow: Flow) -> None:
    page = httpx.get(f"{flow.base}/docs")
    assert page.status_code == 200 and "swagger" in page.text.lower()
    doc = httpx.get(f"{flow.base}/openapi.json").json()
    for path in ["/api/v1/oauth/authorize", "/api/v1/oauth/token", "/api/v1/sso/login",
                 "/api/v1/userinfo/me", "/.well-known/openid-configuration",
                 "/.well-known/jwks.json"]:
        assert path in doc["paths"], path


def test_the_access_log_keeps_no_query_string(flow: Flow, stack: Stack) -> None:
    """id_token_hint (a signed token with the user's name and email), codes and states travel
    in query strings: the gateway's access log writes the path without it (issue 15, item 5)."""
    marker = "eyJhbGciOiJSUzI1NiJ9.secret-" + secrets.token_hex(8)
    resp = httpx.get(f"{flow.base}/api/v1/oauth/logout", params={"id_token_hint": marker, "state": marker})
    assert resp.status_code < 500
    log = stack.workdir / "envoy.log"
    deadline = time.monotonic() + 10
    while '"/api/v1/oauth/logout"' not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)  # Envoy flushes its access log on a timer
    text = log.read_text()
    assert '"/api/v1/oauth/logout"' in text
    assert marker not in text
