"""Container health check: `python /app/healthcheck.py HTTP_PORT GRPC_PORT`.

Exit 0 only when the service answers both its public HTTP `/healthz` and the gRPC
health protocol (grpc.health.v1, overall status) on loopback. Slim images carry no
curl or grpc_health_probe, so docker compose runs this with the image's own Python.
"""

from __future__ import annotations

import sys
import urllib.request

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

TIMEOUT = 3.0


def http_ok(port: int) -> bool:
    try:
        url = f"http://127.0.0.1:{port}/healthz"
        with urllib.request.urlopen(url, timeout=TIMEOUT) as resp:  # noqa: S310 - fixed loopback URL
            return resp.status == 200
    except OSError:
        return False


def grpc_serving(port: int) -> bool:
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            resp = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=TIMEOUT)
            return resp.status == health_pb2.HealthCheckResponse.SERVING
    except grpc.RpcError:
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
