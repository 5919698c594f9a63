"""The Envoy config rendered from gateway/gateway.yaml is valid for every target and
exposes only public HTTP routes."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest
import yaml
from authgate_common.pki import ensure_dev_pki
from authgate_devstack.gateway import SERVICES, dump, load_source, render, sds_files

ENVOY = pathlib.Path(sys.executable).parent / "envoy"


def required_scopes(check_settings: dict) -> str:
    """The scope a route's ext_authz check asks for, in either mode (envoy/ext_authz.py)."""
    if "context_extensions" in check_settings:
        return check_settings["context_extensions"]["required_scopes"]
    added = check_settings["http_service"]["authorization_request"]["headers_to_add"]
    return {h["key"]: h["value"] for h in added}["x-authgate-required-scopes"]


def _local(gateway_tls_dir: str = "/var/pki/gateway") -> dict:
    endpoints = {s: [("127.0.0.1", 8100 + i)] for i, s in enumerate(SERVICES)}
    endpoints.update(token_grpc=[("127.0.0.1", 50054)], token_authz=[("127.0.0.1", 50254)],
                     example=[("127.0.0.1", 8110)])
    return render("local", endpoints, listener_port=18000, admin_port=19901,
                  gateway_tls_dir=gateway_tls_dir)


@pytest.mark.parametrize("target", ["local", "compose", "k8s"])
def test_envoy_accepts_the_rendered_config(target: str, tmp_path: pathlib.Path) -> None:
    # Envoy reads the gateway's certificate files while validating: real ones, same layout,
    # and (compose, k8s) the SDS resources that name them.
    ensure_dev_pki(tmp_path / "pki", ["gateway"])
    folder = str(tmp_path / "pki" / "gateway")
    for name, text in sds_files(folder).items():
        (tmp_path / name).write_text(text)
    config = _local(folder) if target == "local" else render(target, gateway_tls_dir=folder,
                                                              sds_dir=str(tmp_path))
    path = tmp_path / "envoy.yaml"
    path.write_text(dump(config))
    proc = subprocess.run([str(ENVOY), "--mode", "validate", "-c", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_only_http_ports_of_services_are_upstreams() -> None:
    clusters = _local()["static_resources"]["clusters"]
    assert sorted(c["name"] for c in clusters) == sorted(
        [f"{s}_http" for s in SERVICES] + ["example_http", "token_grpc", "token_authz"])
    routes = _local()["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0][
        "typed_config"]["route_config"]["virtual_hosts"][0]["routes"]
    # Only ext_authz talks to a gRPC or the ext_authz port; no route forwards a client to one.
    assert {r["route"]["cluster"] for r in routes if "route" in r} <= (
        {f"{s}_http" for s in SERVICES} | {"example_http"})
    compose = render("compose")["static_resources"]["clusters"]
    ports = {c["name"]: c["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"]
             ["socket_address"]["port_value"] for c in compose}
    assert {p for n, p in ports.items() if n not in {"token_grpc", "token_authz", "envoy_admin"}} == {
        8101, 8102, 8103, 8104}


def test_protected_routes_need_their_scope_and_strip_spoofed_headers() -> None:
    hcm = _local()["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0][
        "typed_config"]
    names = [f["name"] for f in hcm["http_filters"]]
    assert names.index("envoy.filters.http.header_mutation") < names.index(
        "envoy.filters.http.ext_authz") < names.index("envoy.filters.http.router")
    ext = next(f for f in hcm["http_filters"] if f["name"] == "envoy.filters.http.ext_authz")
    assert "disabled" not in ext  # on everywhere a route does not declare itself public
    assert ext["typed_config"]["failure_mode_allow"] is False
    scopes, public = {}, set()
    for r in hcm["route_config"]["virtual_hosts"][0]["routes"]:
        per = r["typed_per_filter_config"]["envoy.filters.http.ext_authz"]
        key = r["match"].get("path") or r["match"]["prefix"]
        if per.get("disabled"):
            public.add(key)
            continue
        method = r["match"].get("headers", [{}])[0].get("string_match", {}).get("exact", "*")
        scopes[(key, method)] = required_scopes(per["check_settings"])
    assert scopes[("/api/v1/example/", "GET")] == "read"
    assert scopes[("/api/v1/example/", "POST")] == "write"
    assert scopes[("/api/v1/example/admin", "*")] == "admin"
    # The public routes of gateway.yaml and the 404 are the only ones without a check.
    assert public == {r.get("path") or r["prefix"] for r in load_source()["routes"]} | {"/"}


def test_every_public_route_of_the_spec_is_routed() -> None:
    routes = {r.get("path") or r.get("prefix"): r["service"] for r in load_source()["routes"]}
    assert routes["/api/v1/oauth/authorize"] == "authorization"
    assert routes["/api/v1/oauth/"] == "token"
    assert routes["/api/v1/sso/"] == "identity"
    assert routes["/.well-known/"] == "token"
    assert routes["/api/v1/userinfo/"] == "token"
    # authorize must win over the broader /api/v1/oauth/ prefix
    order = [r.get("path") or r.get("prefix") for r in load_source()["routes"]]
    assert order.index("/api/v1/oauth/authorize") < order.index("/api/v1/oauth/")


@pytest.mark.parametrize("target", ["local", "compose", "k8s"])
def test_admin_listens_on_loopback_on_every_target(target: str) -> None:
    config = _local() if target == "local" else render(target)
    admin = config["admin"]["address"]["socket_address"]
    assert admin["address"] == "127.0.0.1"
    assert yaml.safe_load(dump(config))  # round-trips as YAML


def test_the_local_gateway_needs_its_certificate_folder() -> None:
    endpoints = {s: [("127.0.0.1", 8100)] for s in (*SERVICES, "token_grpc", "token_authz")}
    with pytest.raises(ValueError, match="gateway_tls_dir"):
        render("local", endpoints)
    tls = render("local", endpoints, gateway_tls_dir="/srv/pki/gateway")["static_resources"]["clusters"]
    token = next(c for c in tls if c["name"] == "token_grpc")["transport_socket"]["typed_config"]
    assert token["common_tls_context"]["validation_context"]["trusted_ca"] == {
        "filename": "/srv/pki/gateway/ca.crt"}


@pytest.mark.parametrize("target", ["local", "compose", "k8s"])
def test_only_requests_that_never_reached_a_replica_are_retried_on_another(target: str) -> None:
    config = _local() if target == "local" else render(target)
    routes = [r for listener in config["static_resources"]["listeners"]
              for chain in listener["filter_chains"] for f in chain["filters"]
              for vh in f["typed_config"]["route_config"]["virtual_hosts"]
              for r in vh["routes"] if r.get("route", {}).get("cluster", "envoy_admin") != "envoy_admin"]
    assert routes
    for route in routes:
        policy = route["route"]["retry_policy"]
        # Never 5xx, reset or retriable-status-codes: a POST /token that reached a replica
        # must not run twice.
        assert set(policy["retry_on"].split(",")) == {"connect-failure", "refused-stream",
                                                      "reset-before-request"}
        assert [p["name"] for p in policy["retry_host_predicate"]] == [
            "envoy.retry_host_predicates.previous_hosts"]
        assert "per_try_timeout" not in policy  # tries share the route's timeout


@pytest.mark.parametrize("target", ["local", "compose", "k8s"])
def test_a_replica_refusing_connections_is_ejected_at_once(target: str) -> None:
    config = _local() if target == "local" else render(target)
    upstreams = [c for c in config["static_resources"]["clusters"] if c["name"] != "envoy_admin"]
    for cluster in upstreams:
        detection = cluster["outlier_detection"]
        assert detection["split_external_local_origin_errors"] is True
        assert detection["consecutive_local_origin_failure"] == 3
        assert detection["max_ejection_percent"] <= 50  # never the whole cluster


def _public_hcms(config: dict) -> list[tuple[dict, dict]]:
    return [(listener, listener["filter_chains"][0]["filters"][0]["typed_config"])
            for listener in config["static_resources"]["listeners"] if listener["name"] != "ops"]


@pytest.mark.parametrize("target", ["compose", "k8s"])
@pytest.mark.parametrize("tls", [False, True])
def test_the_client_address_is_the_peer_unless_hops_are_trusted(target: str, tls: bool) -> None:
    # gateway.yaml's default: clients (or an L4 balancer keeping their address) connect to Envoy.
    assert load_source()["trusted_hops"][target] == 0
    for listener, hcm in _public_hcms(render(target, tls=tls)):
        assert hcm["use_remote_address"] is True and hcm["xff_num_trusted_hops"] == 0
        # Envoy's default, no peer internal: it always sets x-envoy-external-address itself.
        assert "internal_address_config" not in hcm
        assert "listener_filters" not in listener
    for _, hcm in _public_hcms(render(target, tls=tls, trusted_hops=1)):
        assert hcm["xff_num_trusted_hops"] == 1


@pytest.mark.parametrize("tls", [False, True])
def test_proxy_protocol_is_required_on_every_public_listener(tls: bool, tmp_path: pathlib.Path) -> None:
    config = render("k8s", tls=tls, proxy_protocol=True)
    for listener, _ in _public_hcms(config):
        assert [f["name"] for f in listener["listener_filters"]] == [
            "envoy.filters.listener.proxy_protocol"]
    ops = next(x for x in config["static_resources"]["listeners"] if x["name"] == "ops")
    assert "listener_filters" not in ops  # probes reach the pod directly
    ensure_dev_pki(tmp_path / "pki", ["gateway"])
    folder = str(tmp_path / "pki" / "gateway")
    for name, text in sds_files(folder).items():
        (tmp_path / name).write_text(text)
    path = tmp_path / "envoy.yaml"
    path.write_text(dump(render("k8s", tls=False, proxy_protocol=True, gateway_tls_dir=folder,
                                sds_dir=str(tmp_path))))
    proc = subprocess.run([str(ENVOY), "--mode", "validate", "-c", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ext_authz_modes_ask_the_same_checks() -> None:
    """http (the default): the token replicas' ext_authz HTTP ports over mutual TLS, of the
    client's headers only the token, the DPoP proof and Envoy's x-forwarded-proto forwarded,
    the route's checks as headers Envoy adds, exactly the x-auth-* headers back upstream;
    grpc: the Check on the gRPC port."""
    http = _local()["static_resources"]
    hcm = http["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
    ext = next(f for f in hcm["http_filters"] if f["name"] == "envoy.filters.http.ext_authz")["typed_config"]
    assert "grpc_service" not in ext and ext["failure_mode_allow"] is False
    assert ext["status_on_error"] == {"code": "ServiceUnavailable"}
    assert ext["allowed_headers"] == {"patterns": [
        {"exact": "authorization"}, {"exact": "dpop"}, {"exact": "x-forwarded-proto"}]}
    service = ext["http_service"]
    assert service["server_uri"]["cluster"] == "token_authz"
    assert service["authorization_response"]["allowed_upstream_headers"] == {"patterns": [
        {"exact": h} for h in load_source()["ext_authz"]["trusted_headers"]]}
    authz = next(c for c in http["clusters"] if c["name"] == "token_authz")
    tls = authz["transport_socket"]["typed_config"]
    assert tls["sni"] == "token" and "alpn_protocols" not in tls["common_tls_context"]
    assert "typed_extension_protocol_options" not in authz  # HTTP/1.1
    routes = hcm["route_config"]["virtual_hosts"][0]["routes"]
    admin = next(r for r in routes if r["match"].get("prefix") == "/api/v1/example/admin")
    added = admin["typed_per_filter_config"]["envoy.filters.http.ext_authz"]["check_settings"][
        "http_service"]["authorization_request"]["headers_to_add"]
    assert added == [{"key": "x-authgate-required-scopes", "value": "admin"},
                     {"key": "x-authgate-audience", "value": "urn:authgate:api"}]
    grpc = render("local", {s: [("127.0.0.1", 8100)] for s in (*SERVICES, "token_grpc")},
                  gateway_tls_dir="/pki", ext_authz_mode="grpc")["static_resources"]
    hcm = grpc["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
    ext = next(f for f in hcm["http_filters"] if f["name"] == "envoy.filters.http.ext_authz")["typed_config"]
    assert ext["grpc_service"]["envoy_grpc"]["cluster_name"] == "token_grpc" and "http_service" not in ext
    with pytest.raises(ValueError, match="token_authz"):
        render("local", {s: [("127.0.0.1", 8100)] for s in (*SERVICES, "token_grpc")}, gateway_tls_dir="/pki")


@pytest.mark.parametrize("target", ["local", "compose", "k8s"])
@pytest.mark.parametrize("mode", ["http", "grpc"])
def test_dpop_at_the_gateway(target: str, mode: str) -> None:
    """RFC 9449 behind ext_authz: the check sees the DPoP proof and the scheme Envoy set
    (never one a client wrote: use_remote_address, no trusted hop), and x-auth-cnf-jkt (the
    bound key) is one of the verified headers: stripped from every client request, and in
    http mode the only x-auth-* headers of the check's answer that reach the upstream."""
    endpoints = {s: [("127.0.0.1", 8100)] for s in (*SERVICES, "token_grpc", "token_authz")}
    config = (render("local", endpoints, gateway_tls_dir="/pki", ext_authz_mode=mode) if target == "local"
              else render(target, ext_authz_mode=mode))
    assert "x-auth-cnf-jkt" in load_source()["ext_authz"]["trusted_headers"]
    for _, hcm in _public_hcms(config):
        assert hcm["use_remote_address"] is True and hcm["xff_num_trusted_hops"] == 0
        filters = {f["name"]: f["typed_config"] for f in hcm["http_filters"]}
        stripped = [m["remove"] for m in filters["envoy.filters.http.header_mutation"]["mutations"][
            "request_mutations"]]
        assert "x-auth-cnf-jkt" in stripped
        ext = filters["envoy.filters.http.ext_authz"]
        if mode == "grpc":
            # Every request header reaches the Check (no allowed_headers): dpop, x-forwarded-proto.
            assert "allowed_headers" not in ext and "http_service" not in ext
            continue
        assert {"exact": "dpop"} in ext["allowed_headers"]["patterns"]
        assert {"exact": "x-forwarded-proto"} in ext["allowed_headers"]["patterns"]
        assert {"exact": "x-auth-cnf-jkt"} in ext["http_service"]["authorization_response"][
            "allowed_upstream_headers"]["patterns"]
        assert ext["http_service"]["path_prefix"] == "/check"  # ext_authz_http.PATH_PREFIX
