"""Render the Envoy bootstrap from gateway/gateway.yaml (the one source) for a target.

Targets: `local` (the processes of `make up`), `compose` and `k8s`; any of them with
`tls=True` terminates TLS 1.2+ at Envoy (RFC 8446 / RFC 5246), redirects plain HTTP to
HTTPS and sends Strict-Transport-Security (RFC 6797 §7.2: only over secure transport).
On every target the admin interface binds 127.0.0.1; probes and Prometheus reach only
`/ready` and `/stats/prometheus` through the `ops` listener. ext_authz and the protected
upstreams are reached over mutual TLS with the gateway's own certificate
(authgate_common.pki), each server checked against the project CA and its SPIFFE ID.
Given `sds_dir` (compose, k8s, `make up`), Envoy reads its certificates through file-based
SDS (authgate_devstack.sds) and again when their folder changes: a renewed certificate is
picked up without a restart.
The committed copies in RENDERED and RENDERED_SDS are rewritten by `authgate-stack render
--all` and a test (deploy/tests) fails when one of them drifts from a fresh render.
"""

from __future__ import annotations

import pathlib
import posixpath
from typing import Any

import yaml

from .sds import GATEWAY_CA, GATEWAY_CERT, PUBLIC_CERT, sds_file, sds_files, sds_ref

REPO = pathlib.Path(__file__).resolve().parents[4]
SOURCE = REPO / "gateway" / "gateway.yaml"
SERVICES = ("identity", "session", "authorization", "token")

# Committed renders (path relative to the repository -> target, tls). The k8s copies live
# inside the kustomize tree because kustomize cannot load files from outside its root.
RENDERED: dict[str, tuple[str, bool]] = {
    "gateway/rendered/compose.yaml": ("compose", False),
    "gateway/rendered/compose-tls.yaml": ("compose", True),
    "k8s/base/gateway/envoy.yaml": ("k8s", False),
    "k8s/components/tls/envoy.yaml": ("k8s", True),
}

# Committed SDS resources (folder -> the secrets it holds): compose mounts
# gateway/rendered/sds at gateway.yaml's `sds_dir`; k8s ships them in the gateway's ConfigMap
# next to envoy.yaml (the tls component adds the public certificate's).
RENDERED_SDS: dict[str, tuple[str, ...]] = {
    "gateway/rendered/sds": (GATEWAY_CERT, GATEWAY_CA, PUBLIC_CERT),
    "k8s/base/gateway": (GATEWAY_CERT, GATEWAY_CA),
    "k8s/components/tls": (PUBLIC_CERT,),
}

Endpoints = dict[str, list[tuple[str, int]]]
HCM_TYPE = ("type.googleapis.com/envoy.extensions.filters.network"
            ".http_connection_manager.v3.HttpConnectionManager")
NOT_FOUND = '{"error":"not_found","error_description":"No such endpoint."}'


EXT_AUTHZ = "envoy.filters.http.ext_authz"
EXT_AUTHZ_PER_ROUTE = "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute"
# The only admin paths the ops listener forwards (exact matches; anything else is 404).
OPS_PATHS = ("/ready", "/stats/prometheus")
PROXY_PROTOCOL = "envoy.filters.listener.proxy_protocol"
PROXY_PROTOCOL_TYPE = ("type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol"
                       ".v3.ProxyProtocol")


def ext_authz_off() -> dict[str, Any]:
    """A route's `typed_per_filter_config` for a public route (or a bench-only one):
    ext_authz is on for every route that does not carry this."""
    return {EXT_AUTHZ: {"@type": EXT_AUTHZ_PER_ROUTE, "disabled": True}}


def _router() -> dict[str, Any]:
    return {"name": "envoy.filters.http.router", "typed_config": {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}


def load_source() -> dict[str, Any]:
    return yaml.safe_load(SOURCE.read_text())


def _upstream_tls(tls_dir: str, sds_dir: str | None, workload: str, trust_domain: str,
                  alpn: list[str] | None = None) -> dict[str, Any]:
    """Mutual TLS to an internal workload: the gateway presents its own certificate and
    accepts only a server certificate of the project CA naming `workload` in its SAN URI.
    Without `sds_dir` the files in `tls_dir` are read once, at start."""
    san = [{"san_type": "URI", "matcher": {"exact": f"spiffe://{trust_domain}/{workload}"}}]
    context: dict[str, Any] = {"tls_params": {"tls_minimum_protocol_version": "TLSv1_2"}}
    if sds_dir is None:
        files = {name: posixpath.join(tls_dir, name) for name in ("tls.crt", "tls.key", "ca.crt")}
        context["tls_certificates"] = [{"certificate_chain": {"filename": files["tls.crt"]},
                                        "private_key": {"filename": files["tls.key"]}}]
        context["validation_context"] = {"trusted_ca": {"filename": files["ca.crt"]},
                                         "match_typed_subject_alt_names": san}
    else:
        context["tls_certificate_sds_secret_configs"] = [sds_ref(GATEWAY_CERT, sds_dir)]
        # The CA comes from SDS; the SAN to match stays per cluster (merged with it).
        context["combined_validation_context"] = {
            "default_validation_context": {"match_typed_subject_alt_names": san},
            "validation_context_sds_secret_config": sds_ref(GATEWAY_CA, sds_dir)}
    if alpn:
        context["alpn_protocols"] = alpn
    return {"name": "envoy.transport_sockets.tls", "typed_config": {
        "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
        # The bare workload name, as the services' own gRPC channels name their peers.
        "sni": workload,
        "common_tls_context": context}}


def _cluster(name: str, endpoints: list[tuple[str, int]], dns: bool,
             http2: bool = False, transport_socket: dict[str, Any] | None = None) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if http2:  # gRPC upstream
        extra["typed_extension_protocol_options"] = {
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
                "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                "explicit_http_config": {"http2_protocol_options": {}}}}
    return {
        **extra,
        "name": name,
        "type": "STRICT_DNS" if dns else "STATIC",
        "connect_timeout": "1s",
        "lb_policy": "ROUND_ROBIN",
        # Re-resolve often: a headless Service drops a pod from DNS when it stops being ready.
        **({"dns_refresh_rate": "5s"} if dns else {}),
        "load_assignment": {
            "cluster_name": name,
            "endpoints": [{"lb_endpoints": [
                {"endpoint": {"address": {"socket_address": {"address": h, "port_value": p}}}}
                for h, p in endpoints
            ]}],
        },
        "outlier_detection": outlier_detection(),
        "common_lb_config": {"healthy_panic_threshold": {"value": 0}},
        **({"transport_socket": transport_socket} if transport_socket else {}),
    }


def outlier_detection() -> dict[str, Any]:
    """A replica that fails is ejected for a while (5 s, longer each time in a row), at most
    half of a cluster's — but Envoy always ejects the first host, the only one of a service
    that runs once, and with no panic threshold that is a 5 s outage. So a refused or reset
    connection (a crashed replica: a local-origin error), counted apart from the 5xx a live
    replica answers, ejects at the third in a row, not the first: one connection timing out
    on a busy machine must not take a single-replica service away. The requests meanwhile
    are retried on another replica (retry_policy)."""
    return {"consecutive_5xx": 3, "base_ejection_time": "5s", "max_ejection_percent": 50,
            "split_external_local_origin_errors": True, "consecutive_local_origin_failure": 3}


def retry_policy() -> dict[str, Any]:
    """Only a request that never reached a replica is retried (no connection, a stream
    refused, a reset before the request went out), so a POST /token never runs twice; never
    a 5xx, nor a reset after the request was sent. A retry goes to a replica not tried yet
    (previous_hosts), within the route's timeout."""
    previous_hosts = ("type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3"
                      ".PreviousHostsPredicate")
    return {
        "retry_on": "connect-failure,refused-stream,reset-before-request",
        "num_retries": 2,
        "retry_host_predicate": [{"name": "envoy.retry_host_predicates.previous_hosts",
                                  "typed_config": {"@type": previous_hosts}}],
        "host_selection_retry_max_attempts": 3,
    }


LOCAL_RATELIMIT = "envoy.filters.http.local_ratelimit"
_PERCENT_100 = {"default_value": {"numerator": 100, "denominator": "HUNDRED"}}


def _rate_limit(name: str, limit: dict[str, int], max_tracked: int) -> dict[str, Any]:
    """Per-route local rate limit: one bucket per client address (a dynamic descriptor)."""
    bucket = {"max_tokens": limit["requests"], "tokens_per_fill": limit["requests"],
              "fill_interval": f"{limit['per_seconds']}s"}
    return {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit",
        "stat_prefix": f"ratelimit_{name}",
        # The route-wide bucket only backs the per-address ones; it never limits by itself.
        "token_bucket": {"max_tokens": 1_000_000, "tokens_per_fill": 1_000_000, "fill_interval": "1s"},
        "filter_enabled": _PERCENT_100,
        "filter_enforced": _PERCENT_100,
        # Keyed by the limit's name and the address: routes sharing a limit share buckets.
        "rate_limits": [{"actions": [
            {"generic_key": {"descriptor_key": "limit", "descriptor_value": name}},
            {"remote_address": {}}]}],
        "descriptors": [{"entries": [{"key": "limit", "value": name}, {"key": "remote_address"}],
                         "token_bucket": bucket}],
        "max_dynamic_descriptors": max_tracked,
        "response_headers_to_add": [{"header": {"key": "retry-after",
                                                "value": str(limit["per_seconds"])},
                                     "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}],
    }


def _route(entry: dict[str, Any], timeout: int, method: str | None = None,
           scope: str | None = None, limits: dict[str, Any] | None = None,
           max_tracked: int = 10000) -> dict[str, Any]:
    match: dict[str, Any] = {"path": entry["path"]} if "path" in entry else {"prefix": entry["prefix"]}
    if method and method != "*":
        match["headers"] = [{"name": ":method", "string_match": {"exact": method}}]
    # ext_authz runs on every route unless the route says it is public: a route added to
    # the render by hand is protected (fails closed) rather than open.
    # A protected route's `audience` must be in the token's `aud` (RFC 9068 §4).
    checks = {"required_scopes": scope, **({"audience": entry["audience"]} if entry.get("audience") else {})}
    extra: dict[str, Any] = {"typed_per_filter_config": ext_authz_off() if scope is None else {
        EXT_AUTHZ: {"@type": EXT_AUTHZ_PER_ROUTE,
                    "check_settings": {"context_extensions": checks}}}}
    if limits and entry.get("limit") in limits:
        extra.setdefault("typed_per_filter_config", {})[LOCAL_RATELIMIT] = _rate_limit(
            entry["limit"], limits[entry["limit"]], max_tracked)
    return {
        "match": match,
        **extra,
        "route": {
            "cluster": f"{entry['service']}_http",
            "timeout": f"{timeout}s",
            "retry_policy": retry_policy(),
        },
    }


def _access_log() -> list[dict[str, Any]]:
    return [{
        "name": "envoy.access_loggers.stdout",
        "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog",
            "log_format": {"json_format": {
                "ts": "%START_TIME%", "method": "%REQ(:METHOD)%",
                # Without the query string: codes, states and tokens travel in it.
                "path": "%PATH(NQ:ORIG_OR_PATH)%", "status": "%RESPONSE_CODE%",
                "duration_ms": "%DURATION%", "upstream": "%UPSTREAM_CLUSTER%",
                "request_id": "%REQ(X-REQUEST-ID)%", "client": "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%",
                "flags": "%RESPONSE_FLAGS%",
            }},
        },
    }]


def _protected_routes(src: dict[str, Any], upstreams: set[str]) -> list[dict[str, Any]]:
    routes = []
    for entry in src.get("protected_routes", []):
        if entry["service"] not in upstreams:
            continue
        for method, scope in entry["scopes"].items():
            routes.append(_route(entry, src["route_timeout_seconds"], method, scope))
    return routes


def _public_routes(src: dict[str, Any], hsts: str | None, upstreams: set[str]) -> dict[str, Any]:
    limits, tracked = src.get("rate_limits") or {}, src.get("max_tracked_addresses", 10000)
    config: dict[str, Any] = {
        "name": "public",
        "virtual_hosts": [{
            "name": "authgate",
            "domains": ["*"],
            "routes": [_route(r, src["route_timeout_seconds"], limits=limits, max_tracked=tracked)
                       for r in src["routes"]]
            + _protected_routes(src, upstreams) + [{
                "match": {"prefix": "/"},
                "typed_per_filter_config": ext_authz_off(),
                "direct_response": {"status": 404, "body": {"inline_string": NOT_FOUND}},
                "response_headers_to_add": [{"header": {"key": "content-type",
                                                         "value": "application/json"}}],
            }],
        }],
    }
    if hsts:
        config["response_headers_to_add"] = [{
            "header": {"key": "strict-transport-security", "value": hsts},
            "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}]
    return config


def _redirect_routes(port: int) -> dict[str, Any]:
    redirect: dict[str, Any] = {"https_redirect": True}
    if port != 443:
        redirect["port_redirect"] = port
    return {"name": "to_https", "virtual_hosts": [{
        "name": "to_https", "domains": ["*"],
        "routes": [{"match": {"prefix": "/"}, "redirect": redirect}]}]}


def _auth_filters(src: dict[str, Any]) -> list[dict[str, Any]]:
    """Strip the trusted x-auth-* headers from every client request, then ext_authz."""
    auth = src["ext_authz"]
    return [
        # Rate limits first: cheapest, and they spare the services; routes enable them.
        {"name": LOCAL_RATELIMIT, "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit",
            "stat_prefix": "ratelimit"}},
        {"name": "envoy.filters.http.header_mutation", "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation",
            "mutations": {"request_mutations": [{"remove": h} for h in auth["trusted_headers"]]}}},
        {"name": EXT_AUTHZ, "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz",
            "transport_api_version": "V3",
            "grpc_service": {"envoy_grpc": {"cluster_name": "token_grpc"}, "timeout": auth["timeout"]},
            "failure_mode_allow": False,
            "status_on_error": {"code": "ServiceUnavailable"}}},
    ]


def _hcm(src: dict[str, Any], stat_prefix: str, route_config: dict[str, Any],
         buffer: bool = True) -> dict[str, Any]:
    filters = [_router()]
    if buffer:
        filters.insert(0, {"name": "envoy.filters.http.buffer", "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer",
            "max_request_bytes": src["max_request_bytes"]}})
        filters[:0] = _auth_filters(src)
    return {
        "@type": HCM_TYPE,
        "stat_prefix": stat_prefix,
        "codec_type": "AUTO",
        # The client is the peer of the connection, or the address `trusted_hops` proxies
        # in front vouch for in X-Forwarded-For; nothing a client sends beyond them counts.
        "use_remote_address": True,
        "xff_num_trusted_hops": src["trusted_hops"],
        # No `internal_address_config`: since Envoy 1.34 no peer is then internal (loopback
        # and RFC 1918 included), so Envoy always overwrites x-envoy-external-address with the
        # address above. (An empty one would bring back the RFC 1918 and loopback defaults,
        # under which a client's own x-envoy-external-address passes through.)
        "generate_request_id": True,
        "max_request_headers_kb": src["max_request_headers_kb"],
        "common_http_protocol_options": {"headers_with_underscores_action": "REJECT_REQUEST",
                                         "idle_timeout": "300s"},
        "access_log": _access_log(),
        "http_filters": filters,
        "route_config": route_config,
    }


def _tls_socket(tls: dict[str, Any], cert_chain: str, private_key: str,
                sds_dir: str | None) -> dict[str, Any]:
    certs: dict[str, Any] = (
        {"tls_certificate_sds_secret_configs": [sds_ref(PUBLIC_CERT, sds_dir)]} if sds_dir else
        {"tls_certificates": [{"certificate_chain": {"filename": cert_chain},
                               "private_key": {"filename": private_key}}]})
    return {"name": "envoy.transport_sockets.tls", "typed_config": {
        "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
        "common_tls_context": {
            "tls_params": {"tls_minimum_protocol_version": tls["min_version"]},
            "alpn_protocols": ["h2", "http/1.1"],
            **certs,
        }}}


def _listener(name: str, address: str, port: int, hcm: dict[str, Any],
              transport_socket: dict[str, Any] | None = None,
              proxy_protocol: bool = False) -> dict[str, Any]:
    chain: dict[str, Any] = {"filters": [{"name": "envoy.filters.network.http_connection_manager",
                                          "typed_config": hcm}]}
    if transport_socket:
        chain["transport_socket"] = transport_socket
    listener: dict[str, Any] = {
        "name": name, "address": {"socket_address": {"address": address, "port_value": port}},
        "filter_chains": [chain]}
    if proxy_protocol:
        # The balancer's PROXY header (v1 or v2) names the client; a connection without one
        # is refused, so a client reaching the pod directly cannot name itself.
        listener["listener_filters"] = [{"name": PROXY_PROTOCOL,
                                         "typed_config": {"@type": PROXY_PROTOCOL_TYPE}}]
    return listener


def _ops_listener(address: str, port: int) -> dict[str, Any]:
    """Readiness and Prometheus for probes and scrapers, forwarded to the loopback admin
    interface; nothing else of the admin API (/quitquitquit, /logging …) is reachable."""
    routes: list[dict[str, Any]] = [
        {"match": {"path": path}, "route": {"cluster": "envoy_admin", "timeout": "5s"}}
        for path in OPS_PATHS]
    routes.append({"match": {"prefix": "/"},
                   "direct_response": {"status": 404, "body": {"inline_string": NOT_FOUND}}})
    return _listener("ops", address, port, {
        "@type": HCM_TYPE,
        "stat_prefix": "ops",
        "codec_type": "AUTO",
        "normalize_path": True,
        "merge_slashes": True,
        "http_filters": [_router()],
        "route_config": {"name": "ops", "virtual_hosts": [
            {"name": "ops", "domains": ["*"], "routes": routes}]},
    })


def _admin_cluster(admin_port: int) -> dict[str, Any]:
    # No outlier detection: /ready answers 503 until Envoy is ready, by design.
    endpoint = {"address": {"socket_address": {"address": "127.0.0.1", "port_value": admin_port}}}
    return {"name": "envoy_admin", "type": "STATIC", "connect_timeout": "1s",
            "load_assignment": {"cluster_name": "envoy_admin",
                                "endpoints": [{"lb_endpoints": [{"endpoint": endpoint}]}]}}


def _upstreams(endpoints: Endpoints, dns: bool, tls_dir: str, sds_dir: str | None,
               domain: str) -> list[dict[str, Any]]:
    """The services' public HTTP ports (plain HTTP), then over mutual TLS as their own
    workloads: the token service's gRPC port (ext_authz) and every protected upstream."""
    return ([_cluster(f"{svc}_http", endpoints[svc], dns) for svc in SERVICES]
            + [_cluster("token_grpc", endpoints["token_grpc"], dns, http2=True,
                        transport_socket=_upstream_tls(tls_dir, sds_dir, "token", domain, ["h2"]))]
            + [_cluster(f"{name}_http", eps, dns,
                        transport_socket=_upstream_tls(tls_dir, sds_dir, name, domain))
               for name, eps in endpoints.items() if name not in SERVICES and name != "token_grpc"])


def _listeners(src: dict[str, Any], target: str, address: str, port: int, tls: bool,
               tls_files: tuple[str, str] | None, tls_port: int | None,
               upstreams: set[str], sds_dir: str | None) -> list[dict[str, Any]]:
    proxy = src["proxy_protocol"]
    if not tls:
        return [_listener("public", address, port,
                          _hcm(src, "public", _public_routes(src, None, upstreams)),
                          proxy_protocol=proxy)]
    t = src["tls"]
    cert_chain, private_key = tls_files or (t["cert_chain"], t["private_key"])
    tls_port = tls_port or t["listener_port"]
    redirect_port = t["redirect_port"].get(target, tls_port)
    return [
        _listener("public_tls", address, tls_port,
                  _hcm(src, "public_tls", _public_routes(src, t["hsts"], upstreams)),
                  _tls_socket(t, cert_chain, private_key, sds_dir), proxy_protocol=proxy),
        # Plain HTTP only redirects: no route reaches a service without TLS.
        _listener("public", address, port,
                  _hcm(src, "redirect", _redirect_routes(redirect_port), buffer=False),
                  proxy_protocol=proxy),
    ]


def render(target: str, endpoints: Endpoints | None = None, *, listener_port: int | None = None,
           admin_port: int | None = None, ops_port: int | None = None, tls: bool = False,
           tls_files: tuple[str, str] | None = None, tls_port: int | None = None,
           rate_limits: dict[str, dict[str, int]] | None = None,
           gateway_tls_dir: str | None = None, sds_dir: str | None = None,
           trusted_hops: int | None = None, proxy_protocol: bool | None = None) -> dict[str, Any]:
    """The Envoy bootstrap for `target` (local|compose|k8s).

    For `local`, `endpoints` maps each service to its (host, port) replicas, plus
    `token_grpc` (the token service's gRPC replicas, for ext_authz) and optional
    upstream APIs such as `example`, and `gateway_tls_dir` (required) is the folder with
    the gateway's `tls.crt`, `tls.key` and `ca.crt` (`var/pki/gateway` under `make up`);
    compose and k8s default to gateway.yaml's `internal_tls.dir`, where they mount it.
    `ops_port`: the readiness/metrics listener (gateway.yaml's `ops_port`; locally none
    unless given, the admin port being on loopback already). `tls_files`
    (certificate chain, private key) and `tls_port` override gateway.yaml's `tls` section;
    `rate_limits` overrides its `rate_limits` (`{}`: none). `sds_dir`: the folder holding
    `sds_files(...)` of the same certificates, through which Envoy reloads renewed ones
    (compose and k8s: gateway.yaml's `sds_dir`, where they mount the committed ones;
    locally without it, Envoy reads the certificate files once, at start).
    `trusted_hops` and `proxy_protocol` override gateway.yaml's for the target (how Envoy
    learns the client's address behind a load balancer).
    """
    src = load_source()
    if target in ("local", *src["targets"]):
        src["trusted_hops"] = src["trusted_hops"][target] if trusted_hops is None else trusted_hops
        src["proxy_protocol"] = bool(src["proxy_protocol"][target] if proxy_protocol is None
                                     else proxy_protocol)
    if rate_limits is not None:  # a local override (tests, benchmarks); {} turns them off
        src["rate_limits"] = rate_limits
    internal = src["internal_tls"]
    if target == "local":
        if endpoints is None:
            raise ValueError("local target needs endpoints")
        if gateway_tls_dir is None:
            raise ValueError("local target needs gateway_tls_dir (the gateway's tls.crt, tls.key, ca.crt)")
        dns = False
    elif target in src["targets"]:
        endpoints = {svc: [(v["host"], v["port"])] for svc, v in src["targets"][target].items()}
        dns = True
        ops_port = ops_port or src["ops_port"]
        sds_dir = sds_dir or src["sds_dir"][target]
    else:
        raise ValueError(f"unknown target {target!r}")
    tls_dir, domain = gateway_tls_dir or internal["dir"], internal["trust_domain"]
    # Locally everything stays on loopback; in a container the public and ops listeners
    # listen on the pod/compose network (the ops one is never published).
    address = "127.0.0.1" if target == "local" else "0.0.0.0"
    admin = admin_port or src["admin_port"]
    listeners = _listeners(src, target, address, listener_port or src["listener_port"],
                           tls, tls_files, tls_port, set(endpoints), sds_dir)
    clusters = _upstreams(endpoints, dns, tls_dir, sds_dir, domain)
    if ops_port:
        listeners.append(_ops_listener(address, ops_port))
        clusters.append(_admin_cluster(admin))
    return {
        # SDS needs a node identity, even read from files.
        "node": {"id": "gateway", "cluster": "gateway"},
        # /quitquitquit, /logging, /config_dump …: only from inside the gateway's own host
        # or pod, on every target.
        "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": admin}}},
        "static_resources": {"listeners": listeners, "clusters": clusters},
    }


def dump(config: dict[str, Any]) -> str:
    return yaml.safe_dump(config, sort_keys=False)


def rendered_text(target: str, tls: bool) -> str:
    """What a committed copy must contain: a do-not-edit header and the render."""
    flag = " --tls" if tls else ""
    header = (f"# Generated from gateway/gateway.yaml by `authgate-stack render --target {target}{flag}`"
              " (or --all).\n# Do not edit: change gateway/gateway.yaml and re-render.\n")
    return header + dump(render(target, tls=tls))


def rendered_sds() -> dict[str, str]:
    """What the committed SDS resources must contain (path relative to the repository ->
    text): the compose and k8s renders read them at gateway.yaml's `sds_dir`."""
    src = load_source()
    tls = src["tls"]
    files = sds_files(src["internal_tls"]["dir"], (tls["cert_chain"], tls["private_key"]))
    header = ("# Generated from gateway/gateway.yaml by `authgate-stack render --all`.\n"
              "# Do not edit: change gateway/gateway.yaml and re-render.\n")
    return {f"{folder}/{sds_file(secret)}": header + files[sds_file(secret)]
            for folder, secrets in RENDERED_SDS.items() for secret in secrets}


def write_rendered() -> list[pathlib.Path]:
    """Rewrite every committed copy; returns the paths written."""
    texts = {rel: rendered_text(target, tls) for rel, (target, tls) in RENDERED.items()}
    written = []
    for rel, text in {**texts, **rendered_sds()}.items():
        path = REPO / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written
