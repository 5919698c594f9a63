"""The scripts the containers run besides the services: the health check of compose and
the Kubernetes exec probes (HTTP /healthz and grpc.health.v1 together, over mutual TLS
with the container's own certificate) and the `tls` profile's certificate job."""

from __future__ import annotations

import http.server
import importlib.util
import os
import pathlib
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest
from authgate_common.pki import ensure_dev_pki
from cryptography import x509
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from stand_ins import StandIn

REPO = pathlib.Path(__file__).resolve().parents[2]
HEALTHCHECK = REPO / "deploy" / "docker" / "healthcheck.py"
CERT_JOB = REPO / "deploy" / "compose" / "selfsigned_cert.py"


class _Healthz(StandIn):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.send_response(200 if self.path == "/healthz" else 404)
        self.end_headers()
        self.wfile.write(b'{"status":"ok"}')


@pytest.fixture
def service() -> Iterator[tuple[int, int, health.HealthServicer, http.server.HTTPServer]]:
    web = http.server.HTTPServer(("127.0.0.1", 0), _Healthz)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    grpc_port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    yield web.server_address[1], grpc_port, servicer, web
    server.stop(None)
    web.server_close()


def check(*args: object, tls_dir: pathlib.Path | None = None,
          plaintext: bool = False) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GRPC_TLS_DIR", "GRPC_INSECURE_PLAINTEXT")}
    if tls_dir is not None:
        env["GRPC_TLS_DIR"] = str(tls_dir)
    if plaintext:  # a service run with GRPC_INSECURE_PLAINTEXT (benchmarks) is probed the same way
        env["GRPC_INSECURE_PLAINTEXT"] = "true"
    return subprocess.run([sys.executable, str(HEALTHCHECK), *map(str, args)],
                          capture_output=True, text=True, timeout=30, env=env)


def test_healthy_when_http_and_grpc_both_answer(service) -> None:
    http_port, grpc_port, _, _ = service
    assert check(http_port, grpc_port, plaintext=True).returncode == 0


def test_unhealthy_while_grpc_drains(service) -> None:
    http_port, grpc_port, servicer, _ = service
    servicer.enter_graceful_shutdown()  # what the runner does on SIGTERM
    proc = check(http_port, grpc_port, plaintext=True)
    assert proc.returncode == 1 and "grpc" in proc.stderr


def test_unhealthy_when_http_is_down(service) -> None:
    http_port, grpc_port, _, web = service
    web.shutdown()
    web.server_close()
    proc = check(http_port, grpc_port, plaintext=True)
    assert proc.returncode == 1 and "http" in proc.stderr


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> tuple[pathlib.Path, pathlib.Path]:
    """(this project's certificate folders, another CA's)."""
    ours, theirs = tmp_path_factory.mktemp("pki"), tmp_path_factory.mktemp("other-pki")
    ensure_dev_pki(ours, ["token", "identity"])
    ensure_dev_pki(theirs, ["token"])
    return ours, theirs


@pytest.fixture
def mtls_service(pki: tuple[pathlib.Path, pathlib.Path]) -> Iterator[tuple[int, int]]:
    """A token-like service: HTTP /healthz and a gRPC health server that requires a client
    certificate of the project CA, serving the token workload's certificate."""
    folder = pki[0] / "token"
    web = http.server.HTTPServer(("127.0.0.1", 0), _Healthz)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    credentials = grpc.ssl_server_credentials(
        [((folder / "tls.key").read_bytes(), (folder / "tls.crt").read_bytes())],
        root_certificates=(folder / "ca.crt").read_bytes(), require_client_auth=True)
    grpc_port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    yield web.server_address[1], grpc_port
    server.stop(None)
    web.shutdown()
    web.server_close()


def test_healthy_over_mutual_tls_with_the_containers_own_certificate(
        mtls_service: tuple[int, int], pki: tuple[pathlib.Path, pathlib.Path]) -> None:
    http_port, grpc_port = mtls_service
    proc = check(http_port, grpc_port, tls_dir=pki[0] / "token")
    assert proc.returncode == 0, proc.stderr


def test_a_plaintext_probe_of_a_mutual_tls_listener_fails(mtls_service: tuple[int, int]) -> None:
    proc = check(*mtls_service)
    assert proc.returncode == 1 and "grpc" in proc.stderr


def test_a_certificate_of_another_ca_is_not_healthy(
        mtls_service: tuple[int, int], pki: tuple[pathlib.Path, pathlib.Path]) -> None:
    proc = check(*mtls_service, tls_dir=pki[1] / "token")
    assert proc.returncode == 1 and "grpc" in proc.stderr


def test_the_server_must_be_the_workload_the_certificate_names(
        mtls_service: tuple[int, int], pki: tuple[pathlib.Path, pathlib.Path]) -> None:
    # The identity certificate expects an identity server; the token one answers.
    proc = check(*mtls_service, tls_dir=pki[0] / "identity")
    assert proc.returncode == 1 and "grpc" in proc.stderr


def test_usage_error_is_not_reported_as_healthy() -> None:
    assert check("http").returncode == 2


def _cert_job():
    spec = importlib.util.spec_from_file_location("selfsigned_cert", CERT_JOB)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_certificate_job_writes_a_private_key_and_keeps_it(tmp_path: pathlib.Path) -> None:
    out = tmp_path / "certs"
    first = subprocess.run([sys.executable, str(CERT_JOB), str(out), "localhost", "auth.test"],
                           capture_output=True, text=True, timeout=60, check=True)
    assert "wrote" in first.stdout
    key, crt = out / "tls.key", out / "tls.crt"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    cert = x509.load_pem_x509_certificate(crt.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {"localhost", "auth.test"} <= set(names.get_values_for_type(x509.DNSName))
    before = crt.read_bytes()
    again = subprocess.run([sys.executable, str(CERT_JOB), str(out)],
                           capture_output=True, text=True, timeout=60, check=True)
    assert "kept" in again.stdout and crt.read_bytes() == before


def test_certificate_is_a_server_certificate() -> None:
    cert_pem, _ = _cert_job().certificate(["localhost"])
    cert = x509.load_pem_x509_certificate(cert_pem)
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.oid.ExtendedKeyUsageOID.SERVER_AUTH in usage
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
