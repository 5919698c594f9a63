"""Container health check: `python /app/healthcheck.py HTTP_PORT GRPC_PORT`.

Exit 0 only when the service answers both its public HTTP `/healthz` and the gRPC
health protocol (grpc.health.v1, overall status) on loopback. Slim images carry no
curl or grpc_health_probe, so docker compose (and the Kubernetes exec probes) run this
with the image's own Python.

The gRPC listener is mutual TLS: the check presents the service's own certificate
(GRPC_TLS_DIR: the container's tls.crt, tls.key and ca.crt) and expects the server to be
the workload that certificate names, as the services' own channels do. Plaintext only
where the service itself runs plaintext: GRPC_INSECURE_PLAINTEXT=true (benchmarks).
"""

from __future__ import annotations

import os
import sys
import urllib.request

import grpc
from authgate_common.grpc_access import InternalTls
from authgate_common.grpc_server import channel
from authgate_common.pki import TRUST_DOMAIN, peer_workloads
from grpc_health.v1 import health_pb2, health_pb2_grpc

TIMEOUT = 3.0


def http_ok(port: int) -> bool:
    try:
        url = f"http://127.0.0.1:{port}/healthz"
        with urllib.request.urlopen(url, timeout=TIMEOUT) as resp:  # noqa: S310 - fixed loopback URL
            return resp.status == 200
    except OSError:
        return False


def _own_workload(cert_pem: bytes, trust_domain: str) -> str:
    """The workload named by this certificate's SAN URI spiffe://<trust domain>/<workload>."""
    workloads = peer_workloads(cert_pem, trust_domain)
    if not workloads:
        raise ValueError(f"no spiffe://{trust_domain}/ identity in the certificate")
    return workloads[0]


def _channel(port: int) -> grpc.Channel:
    target = f"127.0.0.1:{port}"
    if os.environ.get("GRPC_INSECURE_PLAINTEXT", "").lower() == "true":
        return channel(target)
    tls_dir = os.environ.get("GRPC_TLS_DIR")
    if not tls_dir:
        raise ValueError("GRPC_TLS_DIR is not set: no certificate to present")
    tls = InternalTls.in_dir(tls_dir, os.environ.get("GRPC_TRUST_DOMAIN", TRUST_DOMAIN))
    return channel(target, tls, _own_workload(tls.files.cert.read_bytes(), tls.trust_domain))


def grpc_serving(port: int) -> bool:
    try:
        with _channel(port) as channel:
            resp = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=TIMEOUT)
            return resp.status == health_pb2.HealthCheckResponse.SERVING
    except (grpc.RpcError, OSError, ValueError):
        return False


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not all(a.isdigit() for a in argv):
        print("usage: healthcheck.py HTTP_PORT GRPC_PORT", file=sys.stderr)
        return 2
    http_port, grpc_port = (int(a) for a in argv)
    failed = [name for name, ok in (("http", http_ok(http_port)), ("grpc", grpc_serving(grpc_port)))
              if not ok]
    if failed:
        print(f"unhealthy: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
