"""Render the Envoy bootstrap from gateway/gateway.yaml (the one source) for a target."""

from __future__ import annotations

import pathlib
from typing import Any

import yaml

REPO = pathlib.Path(__file__).resolve().parents[4]
SOURCE = REPO / "gateway" / "gateway.yaml"
SERVICES = ("identity", "session", "authorization", "token")

Endpoints = dict[str, list[tuple[str, int]]]


def load_source() -> dict[str, Any]:
    return yaml.safe_load(SOURCE.read_text())


def _cluster(name: str, endpoints: list[tuple[str, int]], dns: bool) -> dict[str, Any]:
    return {
        "name": name,
        "type": "STRICT_DNS" if dns else "STATIC",
        "connect_timeout": "1s",
        "lb_policy": "ROUND_ROBIN",
        "load_assignment": {
            "cluster_name": name,
            "endpoints": [{"lb_endpoints": [
                {"endpoint": {"address": {"socket_address": {"address": h, "port_value": p}}}}
                for h, p in endpoints
            ]}],
        },
        # A replica that fails is ejected; idempotent requests are retried elsewhere.
        "outlier_detection": {"consecutive_5xx": 3, "base_ejection_time": "5s",
                              "max_ejection_percent": 50},
        "common_lb_config": {"healthy_panic_threshold": {"value": 0}},
    }


def _route(entry: dict[str, Any], timeout: int) -> dict[str, Any]:
    match = {"path": entry["path"]} if "path" in entry else {"prefix": entry["prefix"]}
    return {
        "match": match,
        "route": {
            "cluster": f"{entry['service']}_http",
            "timeout": f"{timeout}s",
            "retry_policy": {"retry_on": "connect-failure,refused-stream,reset-before-request",
                             "num_retries": 2},
        },
    }


def _access_log() -> list[dict[str, Any]]:
    return [{
        "name": "envoy.access_loggers.stdout",
        "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog",
            "log_format": {"json_format": {
                "ts": "%START_TIME%", "method": "%REQ(:METHOD)%",
                "path": "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%", "status": "%RESPONSE_CODE%",
                "duration_ms": "%DURATION%", "upstream": "%UPSTREAM_CLUSTER%",
                "request_id": "%REQ(X-REQUEST-ID)%", "client": "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%",
                "flags": "%RESPONSE_FLAGS%",
            }},
        },
    }]


def render(target: str, endpoints: Endpoints | None = None, *, listener_port: int | None = None,
           admin_port: int | None = None) -> dict[str, Any]:
    """The Envoy bootstrap for `target` (local|compose|k8s).

    For `local`, `endpoints` maps each service to its (host, port) replicas.
    """
    src = load_source()
    if target == "local":
        if endpoints is None:
            raise ValueError("local target needs endpoints")
        dns = False
    else:
        endpoints = {svc: [(v["host"], v["port"])] for svc, v in src["targets"][target].items()}
        dns = True
    hcm = {
        "@type": "type.googleapis.com/envoy.extensions.filters.network"
                 ".http_connection_manager.v3.HttpConnectionManager",
        "stat_prefix": "public",
        "codec_type": "AUTO",
        "use_remote_address": True,
        "generate_request_id": True,
        "max_request_headers_kb": src["max_request_headers_kb"],
        "common_http_protocol_options": {"headers_with_underscores_action": "REJECT_REQUEST",
                                         "idle_timeout": "300s"},
        "access_log": _access_log(),
        "http_filters": [
            {"name": "envoy.filters.http.buffer", "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer",
                "max_request_bytes": src["max_request_bytes"]}},
            {"name": "envoy.filters.http.router", "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}},
        ],
        "route_config": {
            "name": "public",
            "virtual_hosts": [{
                "name": "authgate",
                "domains": ["*"],
                "routes": [_route(r, src["route_timeout_seconds"]) for r in src["routes"]] + [{
                    "match": {"prefix": "/"},
                    "direct_response": {"status": 404, "body": {
                        "inline_string": '{"error":"not_found","error_description":"No such endpoint."}'}},
                    "response_headers_to_add": [{"header": {"key": "content-type",
                                                             "value": "application/json"}}],
                }],
            }],
        },
    }
    return {
        "admin": {"address": {"socket_address": {
            "address": "127.0.0.1" if target == "local" else "0.0.0.0",
            "port_value": admin_port or src["admin_port"]}}},
        "static_resources": {
            "listeners": [{
                "name": "public",
                "address": {"socket_address": {"address": "0.0.0.0" if target != "local" else "127.0.0.1",
                                               "port_value": listener_port or src["listener_port"]}},
                "filter_chains": [{"filters": [{
                    "name": "envoy.filters.network.http_connection_manager",
                    "typed_config": hcm}]}],
            }],
            "clusters": [_cluster(f"{svc}_http", endpoints[svc], dns) for svc in SERVICES],
        },
    }


def dump(config: dict[str, Any]) -> str:
    return yaml.safe_dump(config, sort_keys=False)
