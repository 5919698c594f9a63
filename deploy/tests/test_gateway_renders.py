"""One gateway source, three targets: every committed render (and SDS resource) equals a
fresh one, Envoy accepts each (the TLS listener and the internal plane's certificates
included), every target keeps the admin interface on loopback, serves probes and Prometheus
from the ops listener, runs ext_authz over mutual TLS to the token workload, reads its
certificates through file-based SDS, and a real Envoy on the TLS render serves HTTPS only:
TLS 1.2+, HSTS on every HTTPS answer (RFC 6797 §7.2), HTTP redirected, and a renewed
certificate served without a restart."""

from __future__ import annotations

import contextlib
import http.server
import importlib.util
import pathlib
import posixpath
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import yaml
from authgate_common.pki import ensure_dev_pki
from authgate_devstack import __main__ as stack_cli
from authgate_devstack.gateway import (
    RENDERED,
    SERVICES,
    dump,
    load_source,
    render,
    rendered_sds,
    rendered_text,
    sds_files,
)
from authgate_devstack.ports import free_ports
from authgate_devstack.processes import running_envoy
from envoy.extensions.transport_sockets.tls.v3 import secret_pb2
from envoy.service.discovery.v3 import discovery_pb2
from google.protobuf import json_format
from stand_ins import StandIn

REPO = pathlib.Path(__file__).resolve().parents[2]
ENVOY = pathlib.Path(sys.executable).parent / "envoy"
CERT_JOB = REPO / "deploy" / "compose" / "selfsigned_cert.py"


def _selfsigned(out: pathlib.Path) -> tuple[str, str]:
    """A certificate for localhost, made by compose's certificate job."""
    spec = importlib.util.spec_from_file_location("selfsigned_cert", CERT_JOB)
    assert spec and spec.loader
    job = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(job)
    job.write(out, ["localhost"], None)
    return str(out / "tls.crt"), str(out / "tls.key")


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    return _selfsigned(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def gateway_tls_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The gateway's internal-plane certificate folder (tls.crt, tls.key, ca.crt)."""
    root = tmp_path_factory.mktemp("pki")
    ensure_dev_pki(root, ["gateway"])
    return str(root / "gateway")


def envoy_validate(path: pathlib.Path) -> None:
    proc = subprocess.run([str(ENVOY), "--mode", "validate", "-c", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]


@pytest.mark.parametrize("rel", sorted(RENDERED))
def test_committed_render_matches_the_source(rel: str) -> None:
    target, tls = RENDERED[rel]
    assert (REPO / rel).read_text() == rendered_text(target, tls), (
        f"{rel} drifted from gateway/gateway.yaml: run `.venv/bin/authgate-stack render --all`")


@pytest.mark.parametrize("rel", sorted(rendered_sds()))
def test_committed_sds_resource_matches_the_source(rel: str) -> None:
    assert (REPO / rel).read_text() == rendered_sds()[rel], (
        f"{rel} drifted from gateway/gateway.yaml: run `.venv/bin/authgate-stack render --all`")


def _sds_paths(config: Any) -> list[str]:
    """Every SDS resource file a bootstrap reads."""
    if isinstance(config, dict):
        found = [config["path_config_source"]["path"]] if "path_config_source" in config else []
        return found + [p for v in config.values() for p in _sds_paths(v)]
    return [p for v in config for p in _sds_paths(v)] if isinstance(config, list) else []


@pytest.mark.parametrize("rel", sorted(RENDERED))
def test_envoy_accepts_every_committed_render(rel: str, cert: tuple[str, str], gateway_tls_dir: str,
                                              tmp_path: pathlib.Path) -> None:
    # The mounted paths (gateway.yaml `sds_dir`, `internal_tls.dir`, the `tls` folder) are
    # swapped for throwaway folders of the same layout, the committed SDS resources included.
    src = load_source()
    target, _ = RENDERED[rel]
    swaps = {src["sds_dir"][target]: str(tmp_path), src["internal_tls"]["dir"]: gateway_tls_dir,
             posixpath.dirname(src["tls"]["cert_chain"]): posixpath.dirname(cert[0])}
    committed = {posixpath.basename(path): text for path, text in rendered_sds().items()}

    def swapped(text: str) -> str:
        for mounted, local in swaps.items():
            text = text.replace(mounted, local)
        return text

    config = yaml.safe_load(swapped((REPO / rel).read_text()))
    for path in _sds_paths(config):
        pathlib.Path(path).write_text(swapped(committed[posixpath.basename(path)]))
    path = tmp_path / "envoy.yaml"
    path.write_text(dump(config))
    envoy_validate(path)


@pytest.mark.parametrize("rel", sorted(rendered_sds()))
def test_each_sds_resource_is_one_secret_that_watches_its_folder(rel: str) -> None:
    # `--mode validate` only checks that an SDS file exists; its content is checked here.
    response = json_format.ParseDict(yaml.safe_load((REPO / rel).read_text()),
                                     discovery_pb2.DiscoveryResponse())
    (resource,) = response.resources
    secret = secret_pb2.Secret()
    assert resource.Unpack(secret)
    assert rel.endswith(f"/sds-{secret.name}.yaml")
    kind = secret.WhichOneof("type")
    files = ([secret.tls_certificate.certificate_chain.filename,
              secret.tls_certificate.private_key.filename] if kind == "tls_certificate" else
             [secret.validation_context.trusted_ca.filename])
    watched = getattr(secret, kind).watched_directory.path
    assert {posixpath.dirname(f) for f in files} == {watched}, rel


def _listeners(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {x["name"]: x for x in config["static_resources"]["listeners"]}


def _clusters(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in config["static_resources"]["clusters"]}


def _hcm(listener: dict[str, Any]) -> dict[str, Any]:
    return listener["filter_chains"][0]["filters"][0]["typed_config"]


TARGETS = [("compose", False), ("compose", True), ("k8s", False), ("k8s", True), ("local", False)]


def _render(target: str, tls: bool, gateway_tls_dir: str = "/pki/gateway") -> dict[str, Any]:
    if target != "local":
        return render(target, tls=tls)
    endpoints = {s: [("127.0.0.1", 8101 + i)] for i, s in enumerate(SERVICES)}
    endpoints.update(token_grpc=[("127.0.0.1", 50054)], token_authz=[("127.0.0.1", 50254)],
                     example=[("127.0.0.1", 8110)])
    return render("local", endpoints, gateway_tls_dir=gateway_tls_dir, ops_port=9902)


@pytest.mark.parametrize(("target", "tls"), TARGETS)
def test_admin_binds_loopback_on_every_target(target: str, tls: bool) -> None:
    admin = _render(target, tls)["admin"]["address"]["socket_address"]
    assert admin == {"address": "127.0.0.1", "port_value": load_source()["admin_port"]}


@pytest.mark.parametrize(("target", "tls"), TARGETS)
def test_the_ops_listener_routes_only_readiness_and_metrics(target: str, tls: bool) -> None:
    config = _render(target, tls)
    ops = _listeners(config)["ops"]
    address = ops["address"]["socket_address"]
    assert address["port_value"] == load_source()["ops_port"]
    assert address["address"] == ("127.0.0.1" if target == "local" else "0.0.0.0")
    hcm = _hcm(ops)
    assert [f["name"] for f in hcm["http_filters"]] == ["envoy.filters.http.router"]
    (vhost,) = hcm["route_config"]["virtual_hosts"]
    *forwarded, fallback = vhost["routes"]
    assert [r["match"] for r in forwarded] == [{"path": "/ready"}, {"path": "/stats/prometheus"}]
    assert {r["route"]["cluster"] for r in forwarded} == {"envoy_admin"}
    assert fallback["match"] == {"prefix": "/"} and fallback["direct_response"]["status"] == 404
    admin = _clusters(config)["envoy_admin"]["load_assignment"]["endpoints"][0]["lb_endpoints"]
    assert [e["endpoint"]["address"]["socket_address"] for e in admin] == [
        {"address": "127.0.0.1", "port_value": load_source()["admin_port"]}]


def test_the_local_render_has_no_ops_listener_unless_asked() -> None:
    endpoints = {s: [("127.0.0.1", 8101)] for s in (*SERVICES, "token_grpc", "token_authz")}
    assert "ops" not in _listeners(render("local", endpoints, gateway_tls_dir="/pki/gateway"))
    with pytest.raises(ValueError, match="gateway_tls_dir"):
        render("local", endpoints)


def _upstream_tls(cluster: dict[str, Any]) -> dict[str, Any]:
    socket = cluster["transport_socket"]
    assert socket["name"] == "envoy.transport_sockets.tls"
    ctx = socket["typed_config"]
    assert ctx["@type"].endswith("UpstreamTlsContext")
    return ctx


@pytest.mark.parametrize(("target", "tls"), TARGETS)
def test_ext_authz_is_on_and_reaches_the_token_workload_over_mutual_tls(target: str, tls: bool) -> None:
    config = _render(target, tls)
    folder = load_source()["internal_tls"]["dir"] if target != "local" else "/pki/gateway"
    hcm = _hcm(_listeners(config)["public_tls" if tls else "public"])
    (authz,) = [f for f in hcm["http_filters"] if f["name"] == "envoy.filters.http.ext_authz"]
    assert not authz.get("disabled")  # on, unless a route says it is public
    # gateway.yaml's ext_authz.mode http: the token replicas' ext_authz HTTP port.
    assert authz["typed_config"]["http_service"]["server_uri"]["cluster"] == "token_authz"
    assert authz["typed_config"]["failure_mode_allow"] is False
    ctx = _upstream_tls(_clusters(config)["token_authz"])
    assert ctx["sni"] == "token"
    common = ctx["common_tls_context"]
    if target == "local":  # rendered without `sds_dir`: the files, read at start
        assert common["tls_certificates"] == [{"certificate_chain": {"filename": f"{folder}/tls.crt"},
                                               "private_key": {"filename": f"{folder}/tls.key"}}]
        assert common["validation_context"]["trusted_ca"] == {"filename": f"{folder}/ca.crt"}
        validation = common["validation_context"]
    else:  # through the SDS resources of gateway.yaml's `sds_dir`, reloaded when renewed
        sds_dir = load_source()["sds_dir"][target]
        assert common["tls_certificate_sds_secret_configs"] == [{"name": "gateway-cert", "sds_config": {
            "path_config_source": {"path": f"{sds_dir}/sds-gateway-cert.yaml"},
            "resource_api_version": "V3"}}]
        combined = common["combined_validation_context"]
        assert combined["validation_context_sds_secret_config"] == {"name": "gateway-ca", "sds_config": {
            "path_config_source": {"path": f"{sds_dir}/sds-gateway-ca.yaml"},
            "resource_api_version": "V3"}}
        assert f"{folder}/ca.crt" in rendered_sds()["gateway/rendered/sds/sds-gateway-ca.yaml"]
        validation = combined["default_validation_context"]
    assert validation["match_typed_subject_alt_names"] == [
        {"san_type": "URI", "matcher": {"exact": "spiffe://authgate/token"}}]
    assert "alpn_protocols" not in common  # HTTP/1.1
    # Every route either is public (ext_authz off) or names the scope it needs.
    for route in hcm["route_config"]["virtual_hosts"][0]["routes"]:
        per_route = route["typed_per_filter_config"]["envoy.filters.http.ext_authz"]
        assert per_route.get("disabled") is True or any(
            h["key"] == "x-authgate-required-scopes" and h["value"] for h in per_route["check_settings"][
                "http_service"]["authorization_request"]["headers_to_add"]), route["match"]
    # The services' public HTTP ports stay plain HTTP; only internal workloads get mTLS.
    assert not any("transport_socket" in _clusters(config)[f"{s}_http"] for s in SERVICES)


def test_a_protected_upstream_is_reached_as_its_own_workload() -> None:
    ctx = _upstream_tls(_clusters(_render("local", False))["example_http"])
    assert ctx["sni"] == "example"
    assert ctx["common_tls_context"]["validation_context"]["match_typed_subject_alt_names"] == [
        {"san_type": "URI", "matcher": {"exact": "spiffe://authgate/example"}}]


@pytest.mark.parametrize(("target", "tls"), TARGETS)
def test_access_logs_carry_no_query_string(target: str, tls: bool) -> None:
    for listener in _listeners(_render(target, tls)).values():
        for log in _hcm(listener).get("access_log", []):
            fmt = log["typed_config"]["log_format"]["json_format"]
            assert fmt["path"] == "%PATH(NQ:ORIG_OR_PATH)%"
            assert not any("REQ(:PATH)" in v or "ORIGINAL-PATH" in v for v in fmt.values())


def test_tls_renders_listen_on_8443_and_redirect_plain_http() -> None:
    for target, port in (("compose", 8443), ("k8s", None)):
        listeners = {x["name"]: x for x in render(target, tls=True)["static_resources"]["listeners"]}
        assert listeners["public_tls"]["address"]["socket_address"]["port_value"] == 8443
        ctx = (listeners["public_tls"]["filter_chains"][0]["transport_socket"]["typed_config"]
               ["common_tls_context"])
        assert ctx["tls_params"]["tls_minimum_protocol_version"] == "TLSv1_2"
        plain = listeners["public"]["filter_chains"][0]["filters"][0]["typed_config"]
        routes = plain["route_config"]["virtual_hosts"][0]["routes"]
        assert [r["redirect"] for r in routes] == [
            {"https_redirect": True, **({"port_redirect": port} if port else {})}]


def test_cli_renders_a_target_to_a_file(tmp_path: pathlib.Path) -> None:
    out = tmp_path / "k8s-tls.yaml"
    assert stack_cli.main(["render", "--target", "k8s", "--tls", "-o", str(out)]) == 0
    assert yaml.safe_load(out.read_text()) == render("k8s", tls=True)


class _Upstream(StandIn):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.reply_json({"issuer": "https://localhost"})


@contextlib.contextmanager
def _https_gateway(cert: tuple[str, str], work: pathlib.Path) -> Iterator[tuple[int, int]]:
    """A real Envoy on a local TLS render in front of a stand-in, serving `cert` read
    through file-based SDS as on compose and k8s: (plain HTTP port, HTTPS port)."""
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    port = upstream.server_address[1]
    endpoints = {s: [("127.0.0.1", port)] for s in [*SERVICES, "token_grpc", "token_authz"]}
    ensure_dev_pki(work / "pki", ["gateway"])
    for name, text in sds_files(str(work / "pki" / "gateway"), cert).items():
        (work / name).write_text(text)
    path = work / "envoy.yaml"
    try:
        with contextlib.ExitStack() as envoy:
            # Drawn ports are free when drawn, not when Envoy binds them: another test may take
            # one in between, so a gateway that does not start is tried again on fresh ports.
            for attempt in range(3):
                plain, tls_port, admin = free_ports(3)
                path.write_text(dump(render(
                    "local", endpoints, listener_port=plain, admin_port=admin, tls=True, tls_files=cert,
                    tls_port=tls_port, gateway_tls_dir=str(work / "pki" / "gateway"), sds_dir=str(work))))
                try:
                    envoy.enter_context(running_envoy(path, admin))
                    break
                except RuntimeError:
                    if attempt == 2:
                        raise
            yield plain, tls_port
    finally:
        upstream.shutdown()


@pytest.fixture(scope="module")
def tls_gateway(cert: tuple[str, str],
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, int]]:
    with _https_gateway(cert, tmp_path_factory.mktemp("envoy")) as ports:
        yield ports


def _client(cert: tuple[str, str], version: ssl.TLSVersion | None = None) -> httpx.Client:
    ctx = ssl.create_default_context(cafile=cert[0])
    if version is not None:
        ctx.minimum_version = ctx.maximum_version = version
    return httpx.Client(verify=ctx, timeout=5)


def test_plain_http_only_redirects_to_https(tls_gateway: tuple[int, int]) -> None:
    plain, tls_port = tls_gateway
    resp = httpx.get(f"http://localhost:{plain}/.well-known/openid-configuration?x=1", timeout=5)
    assert resp.status_code == 301
    assert resp.headers["location"] == (
        f"https://localhost:{tls_port}/.well-known/openid-configuration?x=1")
    # HSTS over plain HTTP would be ignored and is not sent (RFC 6797 §7.2).
    assert "strict-transport-security" not in resp.headers


def test_https_routes_to_the_service_with_hsts(tls_gateway: tuple[int, int],
                                               cert: tuple[str, str]) -> None:
    _, tls_port = tls_gateway
    with _client(cert) as client:
        ok = client.get(f"https://localhost:{tls_port}/.well-known/openid-configuration")
        missing = client.get(f"https://localhost:{tls_port}/no/such/path")
    assert ok.status_code == 200 and ok.json()["issuer"]
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    for resp in (ok, missing):
        assert resp.headers["strict-transport-security"].startswith("max-age=")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # offering TLS 1.0/1.1 is the point
def test_tls_1_2_is_accepted_and_older_versions_are_refused(tls_gateway: tuple[int, int],
                                                            cert: tuple[str, str]) -> None:
    _, tls_port = tls_gateway
    with _client(cert, ssl.TLSVersion.TLSv1_2) as client:
        assert client.get(f"https://localhost:{tls_port}/nope").status_code == 404
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        ctx.set_ciphers("ALL:@SECLEVEL=0")
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    except (ValueError, ssl.SSLError):
        pytest.skip("this OpenSSL cannot even offer TLS 1.1")
    with socket.create_connection(("127.0.0.1", tls_port), timeout=5) as raw, \
            pytest.raises(ssl.SSLError, match="PROTOCOL_VERSION"):  # Envoy's alert, not ours
        ctx.wrap_socket(raw, server_hostname="localhost")


def test_a_renewed_certificate_is_served_without_restarting_envoy(
        tmp_path: pathlib.Path, mount_like_the_kubelet: Callable[..., None]) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        folder.mkdir()
        _selfsigned(folder)
    volume = tmp_path / "authgate-tls"  # the Secret volume the gateway serves from
    mount_like_the_kubelet(volume, first)
    work = tmp_path / "envoy"
    work.mkdir()
    trusting = {folder: (str(folder / "tls.crt"), "") for folder in (first, second)}
    with _https_gateway((str(volume / "tls.crt"), str(volume / "tls.key")), work) as (_, tls_port):
        url = f"https://localhost:{tls_port}/no/such/path"
        with _client(trusting[first]) as client:
            assert client.get(url).status_code == 404
        mount_like_the_kubelet(volume, second)  # cert-manager renewed `authgate-tls`
        deadline = time.monotonic() + 20
        while True:
            try:
                with _client(trusting[second]) as client:
                    if client.get(url).status_code == 404:
                        break
            except httpx.ConnectError:  # the first certificate still served
                pass
            assert time.monotonic() < deadline, "the renewed certificate was never served"
            time.sleep(0.25)
        with _client(trusting[first]) as client, pytest.raises(httpx.ConnectError):
            client.get(url)
