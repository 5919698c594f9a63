"""Envoy's ext_authz over HTTP (entrypoints/ext_authz_http.py): the same decisions as the
gRPC Check, on a listener that only the gateway's certificate may call. A real listener on
a free loopback port, real mutual TLS with a throwaway CA; the validator is the unit world's."""

from __future__ import annotations

import http.client
import json
import pathlib
import socket
import ssl
from collections.abc import Iterator

import pytest
from authgate_common.grpc_access import InternalTls
from authgate_common.pki import ensure_dev_pki
from token_service.entrypoints.ext_authz_http import CheckServer

CHECKS = {"x-authgate-required-scopes": "read", "x-authgate-audience": "app"}


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    root = tmp_path_factory.mktemp("pki")
    ensure_dev_pki(root)
    return root


def client_context(pki: pathlib.Path, workload: str) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(pki / workload / "ca.crt"))
    ctx.check_hostname = False  # the server's SAN is a SPIFFE URI; the CA is what is checked here
    ctx.load_cert_chain(str(pki / workload / "tls.crt"), str(pki / workload / "tls.key"))
    return ctx


@pytest.fixture
def server(calls, pki: pathlib.Path) -> Iterator[tuple[int, object]]:
    srv = CheckServer(calls.world.service.validator, InternalTls.in_dir(str(pki / "token")), "127.0.0.1", 0)
    port = srv.start()
    try:
        yield port, calls
    finally:
        srv.stop()


def ask(port: int, pki: pathlib.Path, headers: dict[str, str], workload: str = "gateway",
        path: str = "/check/api/v1/example/items") -> http.client.HTTPResponse:
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=client_context(pki, workload), timeout=5)
    conn.request("GET", path, headers=headers)
    return conn.getresponse()


def test_allowed_request_carries_the_verified_identity(server, pki) -> None:
    port, calls = server
    access = calls.sign_in().access_token
    resp = ask(port, pki, {"authorization": f"Bearer {access}", **CHECKS})
    assert resp.status == 200
    names = ("x-auth-sub", "x-auth-scope", "x-auth-sid", "x-auth-client-id", "x-auth-acr", "x-auth-amr")
    assert {k: resp.getheader(k) for k in names} == {
        "x-auth-sub": "u1", "x-auth-scope": "openid read write", "x-auth-sid": "sid-1",
        "x-auth-client-id": "app", "x-auth-acr": "urn:authgate:acr:pwd", "x-auth-amr": "pwd"}


def test_client_credentials_token_sends_no_sid(server, pki) -> None:
    port, calls = server
    access = calls.token({"grant_type": "client_credentials"}, ("svc", "svc-secret")).access_token
    resp = ask(port, pki, {"authorization": f"Bearer {access}", "x-authgate-required-scopes": "read"})
    assert resp.status == 200 and resp.getheader("x-auth-sub") == "svc"
    assert resp.getheader("x-auth-sid") is None


def test_refusals_follow_rfc_6750(server, pki) -> None:
    port, calls = server
    access = calls.sign_in().access_token
    bare = ask(port, pki, CHECKS)
    assert bare.status == 401 and bare.getheader("www-authenticate") == 'Bearer realm="authgate"'
    bad = ask(port, pki, {"authorization": "Bearer garbage", **CHECKS})
    assert bad.status == 401 and json.loads(bad.read())["error"] == "invalid_token"
    other_api = ask(port, pki, {"authorization": f"Bearer {access}", **CHECKS,
                                "x-authgate-audience": "https://elsewhere.example"})
    assert other_api.status == 401
    scope = ask(port, pki, {"authorization": f"Bearer {access}", **CHECKS,
                            "x-authgate-required-scopes": "admin"})
    assert scope.status == 403 and 'scope="admin"' in scope.getheader("www-authenticate")
    assert scope.getheader("cache-control") == "no-store"


def test_unknown_revocation_state_is_503_never_allowed(server, pki) -> None:
    port, calls = server
    access = calls.sign_in().access_token
    calls.world.sessions.unavailable = True
    resp = ask(port, pki, {"authorization": f"Bearer {access}", **CHECKS})
    assert resp.status == 503 and resp.getheader("x-auth-sub") is None
    assert resp.getheader("retry-after") == "1"
    assert json.loads(resp.read())["error"] == "temporarily_unavailable"


def test_keep_alive_answers_requests_in_order(server, pki) -> None:
    port, calls = server
    access = calls.sign_in().access_token
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=client_context(pki, "gateway"), timeout=5)
    for scopes, status in (("read", 200), ("admin", 403), ("read", 200)):
        conn.request("GET", "/check/x", headers={"authorization": f"Bearer {access}",
                                                 "x-authgate-required-scopes": scopes})
        resp = conn.getresponse()
        resp.read()
        assert resp.status == status


def test_a_head_check_gets_no_body(server, pki) -> None:
    """Envoy checks a HEAD request with a HEAD: a body would be read as the next answer."""
    port, calls = server
    access = calls.sign_in().access_token
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=client_context(pki, "gateway"), timeout=5)
    for scopes, status in (("admin", 403), ("read", 200)):
        conn.request("HEAD", "/check/x", headers={"authorization": f"Bearer {access}",
                                                  "x-authgate-required-scopes": scopes})
        resp = conn.getresponse()
        assert resp.status == status and resp.read() == b""


@pytest.mark.parametrize("workload", ["session", "operator", "validator"])
def test_only_the_gateway_may_call(server, pki, workload: str) -> None:
    port, calls = server
    access = calls.sign_in().access_token
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected, ssl.SSLError)):
        ask(port, pki, {"authorization": f"Bearer {access}", **CHECKS}, workload=workload)


def test_no_client_certificate_no_answer(server, pki) -> None:
    port, _ = server
    ctx = ssl.create_default_context(cafile=str(pki / "gateway" / "ca.crt"))
    ctx.check_hostname = False
    with pytest.raises((ConnectionError, ssl.SSLError, http.client.RemoteDisconnected)):
        conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=5)
        conn.request("GET", "/check/x", headers=CHECKS)
        conn.getresponse()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as plain:  # no TLS at all
        plain.sendall(b"GET /check/x HTTP/1.1\r\nhost: x\r\n\r\n")
        assert not plain.recv(100).startswith(b"HTTP/1.1 200")


def test_malformed_request_is_400(calls) -> None:
    srv = CheckServer(calls.world.service.validator, None, "127.0.0.1", 0)  # plaintext (benchmarks)
    port = srv.start()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
            assert sock.recv(100).startswith(b"HTTP/1.1 400")
    finally:
        srv.stop()
