"""The gateway's listeners (authgate_devstack.gateway): the public one, with its filters
(rate limits, the trusted headers stripped, ext_authz, a body buffer) and its TLS, and the
ops listener that forwards readiness and metrics to the loopback admin interface."""

from __future__ import annotations

from typing import Any

from ..sds import PUBLIC_CERT, sds_ref
from .ext_authz import filter_config
from .routes import EXT_AUTHZ, LOCAL_RATELIMIT, NOT_FOUND

HCM_TYPE = ("type.googleapis.com/envoy.extensions.filters.network"
            ".http_connection_manager.v3.HttpConnectionManager")
# The only admin paths the ops listener forwards (exact matches; anything else is 404).
OPS_PATHS = ("/ready", "/stats/prometheus")
PROXY_PROTOCOL = "envoy.filters.listener.proxy_protocol"
PROXY_PROTOCOL_TYPE = ("type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol"
                       ".v3.ProxyProtocol")


def router() -> dict[str, Any]:
    return {"name": "envoy.filters.http.router", "typed_config": {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}


def access_log() -> list[dict[str, Any]]:
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


def auth_filters(src: dict[str, Any]) -> list[dict[str, Any]]:
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
        {"name": EXT_AUTHZ, "typed_config": filter_config(auth)},
    ]


def hcm(src: dict[str, Any], stat_prefix: str, route_config: dict[str, Any],
        buffer: bool = True) -> dict[str, Any]:
    filters = [router()]
    if buffer:
        filters.insert(0, {"name": "envoy.filters.http.buffer", "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer",
            "max_request_bytes": src["max_request_bytes"]}})
        filters[:0] = auth_filters(src)
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
        "access_log": access_log(),
        "http_filters": filters,
        "route_config": route_config,
    }


def tls_socket(tls: dict[str, Any], cert_chain: str, private_key: str,
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


def listener(name: str, address: str, port: int, hcm: dict[str, Any],
             transport_socket: dict[str, Any] | None = None,
             proxy_protocol: bool = False) -> dict[str, Any]:
    chain: dict[str, Any] = {"filters": [{"name": "envoy.filters.network.http_connection_manager",
                                          "typed_config": hcm}]}
    if transport_socket:
        chain["transport_socket"] = transport_socket
    config: dict[str, Any] = {
        "name": name, "address": {"socket_address": {"address": address, "port_value": port}},
        "filter_chains": [chain]}
    if proxy_protocol:
        # The balancer's PROXY header (v1 or v2) names the client; a connection without one
        # is refused, so a client reaching the pod directly cannot name itself.
        config["listener_filters"] = [{"name": PROXY_PROTOCOL,
                                       "typed_config": {"@type": PROXY_PROTOCOL_TYPE}}]
    return config


def ops_listener(address: str, port: int) -> dict[str, Any]:
    """Readiness and Prometheus for probes and scrapers, forwarded to the loopback admin
    interface; nothing else of the admin API (/quitquitquit, /logging …) is reachable."""
    routes: list[dict[str, Any]] = [
        {"match": {"path": path}, "route": {"cluster": "envoy_admin", "timeout": "5s"}}
        for path in OPS_PATHS]
    routes.append({"match": {"prefix": "/"},
                   "direct_response": {"status": 404, "body": {"inline_string": NOT_FOUND}}})
    return listener("ops", address, port, {
        "@type": HCM_TYPE,
        "stat_prefix": "ops",
        "codec_type": "AUTO",
        "normalize_path": True,
        "merge_slashes": True,
        "http_filters": [router()],
        "route_config": {"name": "ops", "virtual_hosts": [
            {"name": "ops", "domains": ["*"], "routes": routes}]},
    })
