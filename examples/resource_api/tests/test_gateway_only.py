"""Only the gateway reaches the example API: the real server (`python -m example_api`) on
real sockets serves HTTPS to the gateway's client certificate and closes every other
connection, so x-auth-* headers forged by anyone else never reach the app."""

from __future__ import annotations

import json
import os
import pathlib
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from authgate_common.pki import ensure_dev_pki
from example_api.settings import Settings

FORGED_ADMIN = {
    "x-auth-sub": "mallory",
    "x-auth-scope": "admin",
    "x-auth-sid": "s",
    "x-auth-client-id": "web",
}
VERIFIED = {"x-auth-sub": "u1", "x-auth-scope": "admin", "x-auth-sid": "sid-1", "x-auth-client-id": "web",
            "x-auth-acr": "urn:authgate:acr:mfa", "x-auth-amr": "pwd otp mfa"}
REFUSED = (ssl.SSLError, ConnectionError)


def client_context(
    pki: pathlib.Path,
    workload: str | None,
    ca: pathlib.Path | None = None,
    max_version: ssl.TLSVersion | None = None,
) -> ssl.SSLContext:
    """What the gateway's cluster does: trust the CA, present `workload`'s certificate."""
    ctx = ssl.create_default_context(cafile=ca or pki / "ca" / "ca.crt")
    if workload:
        ctx.load_cert_chain(pki / workload / "tls.crt", pki / workload / "tls.key")
    if max_version:
        ctx.maximum_version = max_version
    return ctx


def https_get(
    port: int,
    ctx: ssl.SSLContext,
    path: str,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    """One HTTP/1.1 GET over TLS with SNI `example`, as Envoy sends it: (status, body)."""
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        ctx.wrap_socket(raw, server_hostname="example") as tls,
    ):
        lines = [
            f"GET {path} HTTP/1.1",
            "Host: example",
            "Connection: close",
            *(f"{k}: {v}" for k, v in (headers or {}).items()),
        ]
        tls.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = b"".join(iter(lambda: tls.recv(65536), b""))
    if not answer:
        raise ConnectionResetError("closed without an answer")
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    root = tmp_path_factory.mktemp("pki")
    ensure_dev_pki(root)
    return root


@pytest.fixture(scope="module")
def server(pki: pathlib.Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, pathlib.Path]]:
    port, workdir = free_port(), tmp_path_factory.mktemp("example")
    log = workdir / "example.log"
    env = {
        **os.environ,
        "EXAMPLE_API_PORT": str(port),
        "EXAMPLE_API_TLS_DIR": str(pki / "example"),
        "PYTHONUNBUFFERED": "1",
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "example_api"], env=env, cwd=workdir, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                if https_get(port, client_context(pki, "gateway"), "/healthz")[0] == 200:
                    break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        yield port, log
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize("tls", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])  # Envoy: 1.2 by default
def test_the_gateways_certificate_gets_the_echoed_identity(server, pki, tls) -> None:
    status, body = https_get(
        server[0], client_context(pki, "gateway", max_version=tls), "/api/v1/example/admin", VERIFIED
    )
    assert status == 200
    assert json.loads(body) == {
        "action": "admin",
        "sub": "u1",
        "scope": "admin",
        "sid": "sid-1",
        "client_id": "web",
        "acr": "urn:authgate:acr:mfa",
        "amr": "pwd otp mfa",
        "cnf_jkt": "",  # a bearer token: no DPoP key
    }


def test_the_gateway_without_x_auth_sub_still_gets_401(server, pki) -> None:
    assert https_get(server[0], client_context(pki, "gateway"), "/api/v1/example/items")[0] == 401


def test_plain_http_gets_no_answer(server) -> None:
    with socket.create_connection(("127.0.0.1", server[0]), timeout=5) as s:
        s.sendall(
            b"GET /api/v1/example/admin HTTP/1.1\r\nHost: x\r\nx-auth-sub: u\r\nx-auth-scope: admin\r\n\r\n"
        )
        try:
            answer = s.recv(65536)
        except ConnectionResetError:
            answer = b""
    assert not answer.startswith(b"HTTP/")


def test_without_a_client_certificate_the_tls12_handshake_fails(server, pki) -> None:
    ctx = client_context(pki, None, max_version=ssl.TLSVersion.TLSv1_2)
    with socket.create_connection(("127.0.0.1", server[0]), timeout=5) as raw, pytest.raises(REFUSED):
        ctx.wrap_socket(raw, server_hostname="example")


def test_without_a_client_certificate_tls13_gets_no_answer(server, pki) -> None:
    # TLS 1.3 clients finish their side of the handshake before the server has checked
    # theirs: the refusal shows on the first read.
    with pytest.raises(REFUSED):
        https_get(server[0], client_context(pki, None), "/healthz")


@pytest.mark.parametrize("tls", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
def test_another_workloads_certificate_with_forged_headers_is_closed(server, pki, tls) -> None:
    port, log = server
    with pytest.raises(REFUSED):
        https_get(
            port, client_context(pki, "validator", max_version=tls), "/api/v1/example/admin", FORGED_ADMIN
        )
    deadline = time.monotonic() + 5
    while "spiffe://authgate/validator'], not" not in log.read_text():
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)


def test_a_gateway_certificate_from_another_ca_is_refused(server, pki, tmp_path) -> None:
    other = tmp_path / "other-pki"
    ensure_dev_pki(other, ["gateway"])
    ctx = client_context(other, "gateway", ca=pki / "ca" / "ca.crt")  # right SAN URI, wrong issuer
    with pytest.raises(REFUSED):
        https_get(server[0], ctx, "/api/v1/example/admin", FORGED_ADMIN)


def test_missing_certificates_refuse_to_start(tmp_path) -> None:
    env = {**os.environ, "EXAMPLE_API_PORT": str(free_port()), "EXAMPLE_API_TLS_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "example_api"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode != 0
    assert f"no tls.crt, tls.key, ca.crt in {tmp_path}" in done.stderr


def test_defaults_bind_loopback_and_read_the_make_up_certificate(monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("EXAMPLE_API_HOST", "EXAMPLE_API_TLS_DIR", "VAR_DIR", "GATEWAY_IDENTITY"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.EXAMPLE_API_HOST == "127.0.0.1"
    assert settings.tls_dir == pathlib.Path("var/pki/example")
    assert settings.GATEWAY_IDENTITY == "spiffe://authgate/gateway"
    monkeypatch.setenv("VAR_DIR", "/srv/authgate")
    assert Settings().tls_dir == pathlib.Path("/srv/authgate/pki/example")
