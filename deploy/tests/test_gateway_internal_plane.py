"""A real Envoy on a local render, in front of stand-ins for the token service's ext_authz
and a protected upstream, each requiring a client certificate of the project CA:

- ext_authz and the upstream are reached over mutual TLS with the gateway's certificate,
  and Envoy refuses a server that is not the workload the cluster names (same CA, wrong
  SPIFFE ID) or not of the CA at all: the protected route then fails closed (503);
- ext_authz runs on protected routes only, public routes and the 404 never ask it;
- a renewed gateway certificate (the kubelet swapping the Secret volume's files) is picked
  up without restarting Envoy: it reads them through file-based SDS;
- the ops listener forwards only /ready and /stats/prometheus to the loopback admin;
- the access log never carries a query string (codes, states and tokens travel in it)."""

from __future__ import annotations

import contextlib
import http.server
import json
import pathlib
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any

import grpc
import httpx
import pytest
from authgate_common.pki import ensure_dev_pki
from authgate_devstack.gateway import SERVICES, dump, render, sds_files
from authgate_devstack.ports import free_ports
from authgate_devstack.processes import running_envoy
from envoy.config.core.v3 import base_pb2 as core
from envoy.service.auth.v3 import external_auth_pb2 as ext
from envoy.service.auth.v3 import external_auth_pb2_grpc as ext_grpc
from envoy.type.v3 import http_status_pb2 as http_status
from google.rpc import code_pb2, status_pb2
from stand_ins import StandIn


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> tuple[pathlib.Path, pathlib.Path]:
    """(this project's certificate folders, another CA's)."""
    ours, theirs = tmp_path_factory.mktemp("pki"), tmp_path_factory.mktemp("other-pki")
    ensure_dev_pki(ours, ["gateway", "token", "example", "identity"])
    ensure_dev_pki(theirs, ["gateway", "token", "example"])
    return ours, theirs


def _server_credentials(folder: pathlib.Path) -> grpc.ServerCredentials:
    return grpc.ssl_server_credentials(
        [((folder / "tls.key").read_bytes(), (folder / "tls.crt").read_bytes())],
        root_certificates=(folder / "ca.crt").read_bytes(), require_client_auth=True)


@dataclass
class Authz(ext_grpc.AuthorizationServicer):
    """The token service's ext_authz, reduced to: `Bearer good` is alice, anything else 401."""

    callers: list[str] = field(default_factory=list)
    scopes: list[str] = field(default_factory=list)

    def Check(self, request: ext.CheckRequest,  # noqa: N802 - gRPC method name
              context: grpc.ServicerContext) -> ext.CheckResponse:
        self.callers += [v.decode() for v in context.auth_context().get("x509_common_name", [])]
        self.scopes.append(request.attributes.context_extensions.get("required_scopes", ""))
        if request.attributes.request.http.headers.get("authorization") == "Bearer good":
            sub = core.HeaderValueOption(header=core.HeaderValue(key="x-auth-sub", value="alice"))
            return ext.CheckResponse(status=status_pb2.Status(code=code_pb2.OK),
                                     ok_response=ext.OkHttpResponse(headers=[sub]))
        return ext.CheckResponse(status=status_pb2.Status(code=code_pb2.UNAUTHENTICATED),
                                 denied_response=ext.DeniedHttpResponse(
                                     status=http_status.HttpStatus(code=http_status.Unauthorized)))


@dataclass
class AuthzServers:
    """Stand-ins for the token service's ext_authz: `(folder)` starts one with that
    certificate, `restart(port, folder)` swaps it for one with another on the same port."""

    running: dict[int, grpc.Server] = field(default_factory=dict)

    def __call__(self, folder: pathlib.Path, port: int = 0) -> tuple[int, Authz]:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        servicer = Authz()
        ext_grpc.add_AuthorizationServicer_to_server(servicer, server)
        port = server.add_secure_port(f"127.0.0.1:{port}", _server_credentials(folder))
        server.start()
        self.running[port] = server
        return port, servicer

    def restart(self, port: int, folder: pathlib.Path) -> Authz:
        self.running.pop(port).stop(None).wait()
        return self(folder, port)[1]


@pytest.fixture
def authz_server() -> Iterator[AuthzServers]:
    servers = AuthzServers()
    yield servers
    for server in servers.running.values():
        server.stop(None)


class _Upstream(StandIn):
    """Answers with who connected (the client certificate's CN) and the x-auth-sub it got."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        peer = self.connection.getpeercert() if isinstance(self.connection, ssl.SSLSocket) else None
        subject = dict(x[0] for x in peer["subject"]) if peer else {}
        self.reply_json({"client": subject.get("commonName"), "path": self.path,
                         "sub": self.headers.get("x-auth-sub")})


@dataclass
class Upstreams:
    """HTTP stand-ins: `(folder)` starts one requiring a client certificate of that folder's
    CA (None: plain HTTP), `restart(port, folder)` swaps it for another on the same port."""

    running: dict[int, http.server.HTTPServer] = field(default_factory=dict)

    def __call__(self, folder: pathlib.Path | None, port: int = 0) -> int:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Upstream)
        if folder is not None:  # mutual TLS, as a protected upstream must serve
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(folder / "tls.crt", folder / "tls.key")
            ctx.load_verify_locations(folder / "ca.crt")
            ctx.verify_mode = ssl.CERT_REQUIRED
            server.socket = ctx.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = int(server.server_address[1])
        self.running[port] = server
        return port

    def stop(self, port: int) -> None:
        server = self.running.pop(port)
        server.shutdown()
        server.server_close()

    def restart(self, port: int, folder: pathlib.Path) -> None:
        self.stop(port)
        self(folder, port)


@pytest.fixture
def upstreams() -> Iterator[Upstreams]:
    servers = Upstreams()
    yield servers
    for port in list(servers.running):
        servers.stop(port)


@dataclass
class Gateway:
    url: str
    ops: str
    log: pathlib.Path


@pytest.fixture
def gateway(tmp_path: pathlib.Path, pki: tuple[pathlib.Path, pathlib.Path]) -> Iterator[Any]:
    envoys = contextlib.ExitStack()

    def start(token_grpc: int, example: int, public: int,
              gateway_tls_dir: pathlib.Path | None = None) -> Gateway:
        listener, admin, ops = free_ports(3)
        endpoints = {s: [("127.0.0.1", public)] for s in SERVICES}
        endpoints.update(token_grpc=[("127.0.0.1", token_grpc)], example=[("127.0.0.1", example)])
        # As the stack does: the certificates through file-based SDS, resources next to the config.
        folder = str(gateway_tls_dir or pki[0] / "gateway")
        sds_dir = tmp_path / f"sds-{listener}"
        sds_dir.mkdir()
        for name, text in sds_files(folder).items():
            (sds_dir / name).write_text(text)
        # The gRPC mode: its stand-in is a plain grpcio servicer (the HTTP mode's listener is
        # the token service's own, tested with its mutual TLS in services/token unit tests).
        config = render("local", endpoints, listener_port=listener, admin_port=admin, ops_port=ops,
                        gateway_tls_dir=folder, sds_dir=str(sds_dir), ext_authz_mode="grpc")
        path = tmp_path / f"envoy-{listener}.yaml"
        path.write_text(dump(config))
        log = tmp_path / f"envoy-{listener}.log"
        with log.open("wb") as out:
            envoys.enter_context(running_envoy(path, admin, stdout=out,
                                               args=("--file-flush-interval-msec", "100")))
        return Gateway(f"http://127.0.0.1:{listener}", f"http://127.0.0.1:{ops}", log)

    with envoys:
        yield start


def test_protected_route_goes_over_mutual_tls_to_ext_authz_and_the_upstream(
        pki: tuple[pathlib.Path, pathlib.Path], authz_server: Any, upstreams: Any, gateway: Any) -> None:
    authz_port, authz = authz_server(pki[0] / "token")
    gw = gateway(authz_port, upstreams(pki[0] / "example"), upstreams(None))
    ok = httpx.get(f"{gw.url}/api/v1/example/items", headers={
        "authorization": "Bearer good", "x-auth-sub": "mallory"}, timeout=5)
    assert ok.status_code == 200, ok.text
    # The upstream saw the gateway's certificate, and only the verified identity.
    assert ok.json() == {"client": "gateway", "path": "/api/v1/example/items", "sub": "alice"}
    assert authz.callers == ["gateway"] and authz.scopes == ["read"]
    assert httpx.get(f"{gw.url}/api/v1/example/items", timeout=5).status_code == 401


def test_public_routes_and_the_404_never_ask_ext_authz(
        pki: tuple[pathlib.Path, pathlib.Path], authz_server: Any, upstreams: Any, gateway: Any) -> None:
    authz_port, authz = authz_server(pki[0] / "token")
    gw = gateway(authz_port, upstreams(pki[0] / "example"), upstreams(None))
    assert httpx.get(f"{gw.url}/.well-known/openid-configuration", timeout=5).status_code == 200
    assert httpx.get(f"{gw.url}/no/such/path", timeout=5).status_code == 404
    assert authz.callers == []


@pytest.mark.parametrize("impostor", ["same CA, another workload", "another CA"])
def test_an_ext_authz_server_that_is_not_the_token_workload_is_refused(
        impostor: str, pki: tuple[pathlib.Path, pathlib.Path], authz_server: Any, upstreams: Any,
        gateway: Any) -> None:
    folder = pki[0] / "identity" if impostor == "same CA, another workload" else pki[1] / "token"
    authz_port, authz = authz_server(folder)
    gw = gateway(authz_port, upstreams(pki[0] / "example"), upstreams(None))
    resp = httpx.get(f"{gw.url}/api/v1/example/items", headers={"authorization": "Bearer good"},
                     timeout=5)
    assert resp.status_code == 503  # fails closed, never forwarded
    assert authz.callers == []


def test_an_upstream_of_another_ca_is_refused(
        pki: tuple[pathlib.Path, pathlib.Path], authz_server: Any, upstreams: Any, gateway: Any) -> None:
    authz_port, _ = authz_server(pki[0] / "token")
    gw = gateway(authz_port, upstreams(pki[1] / "example"), upstreams(None))
    resp = httpx.get(f"{gw.url}/api/v1/example/items", headers={"authorization": "Bearer good"},
                     timeout=5)
    assert resp.status_code == 503


def _protected_status(gw: Gateway) -> int:
    return httpx.get(f"{gw.url}/api/v1/example/items", headers={"authorization": "Bearer good"},
                     timeout=5).status_code


def test_a_renewed_gateway_certificate_is_used_without_restarting_envoy(
        tmp_path: pathlib.Path, pki: tuple[pathlib.Path, pathlib.Path], authz_server: AuthzServers,
        upstreams: Upstreams, gateway: Any, mount_like_the_kubelet: Callable[..., None]) -> None:
    first, second = pki  # two CAs, each with gateway, token and example certificates
    secret = tmp_path / "authgate-gateway-tls"  # the gateway's Secret volume
    mount_like_the_kubelet(secret, first / "gateway")
    authz_port, _ = authz_server(first / "token")
    example = upstreams(first / "example")
    gw = gateway(authz_port, example, upstreams(None), gateway_tls_dir=secret)
    assert _protected_status(gw) == 200
    # ext_authz and the upstream now trust and present CA #2 only: with the certificate
    # Envoy holds, a protected route fails closed.
    authz = authz_server.restart(authz_port, second / "token")
    upstreams.restart(example, second / "example")
    assert _protected_status(gw) == 503
    mount_like_the_kubelet(secret, second / "gateway")  # cert-manager renewed the Secret
    deadline = time.monotonic() + 20
    while (status := _protected_status(gw)) != 200 and time.monotonic() < deadline:
        time.sleep(0.25)
    assert status == 200
    assert authz.callers == ["gateway"]  # CA #2's gateway certificate, verified by the server
    metrics = httpx.get(f"{gw.ops}/stats/prometheus", timeout=5).text
    assert ('envoy_cluster_client_ssl_socket_factory_ssl_context_update_by_sds'
            '{envoy_cluster_name="token_grpc"}') in metrics


def test_the_ops_listener_serves_readiness_and_metrics_only(
        pki: tuple[pathlib.Path, pathlib.Path], authz_server: Any, upstreams: Any, gateway: Any) -> None:
    authz_port, _ = authz_server(pki[0] / "token")
    gw = gateway(authz_port, upstreams(pki[0] / "example"), upstreams(None))
    assert httpx.get(f"{gw.ops}/ready", timeout=5).text.strip() == "LIVE"
    metrics = httpx.get(f"{gw.ops}/stats/prometheus", timeout=5)
    assert metrics.status_code == 200 and "envoy_server_live" in metrics.text
    for method, path in (("POST", "/quitquitquit"), ("POST", "/logging?level=debug"),
                         ("GET", "/config_dump"), ("GET", "/stats"), ("GET", "/ready/../config_dump"),
                         ("POST", "/healthcheck/fail"), ("GET", "//ready/x")):
        assert httpx.request(method, f"{gw.ops}{path}", timeout=5).status_code == 404, path
    assert httpx.get(f"{gw.ops}/ready", timeout=5).status_code == 200  # still up, still ready


def test_the_access_log_has_no_query_string(
        pki: tuple[pathlib.Path, pathlib.Path], authz_server: Any, upstreams: Any, gateway: Any) -> None:
    authz_port, _ = authz_server(pki[0] / "token")
    gw = gateway(authz_port, upstreams(pki[0] / "example"), upstreams(None))
    httpx.get(f"{gw.url}/api/v1/oauth/authorize?code=s3cr3t-code&state=xyz", timeout=5)
    deadline = time.monotonic() + 10
    while "/api/v1/oauth/authorize" not in gw.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    entries = [json.loads(line) for line in gw.log.read_text().splitlines() if line.startswith("{")]
    assert [e["path"] for e in entries] == ["/api/v1/oauth/authorize"]
    assert "s3cr3t-code" not in gw.log.read_text()
