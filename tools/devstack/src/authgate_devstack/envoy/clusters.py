"""The gateway's clusters (authgate_devstack.gateway): each service's replicas, reached
over mutual TLS as their own workloads where they are internal, with outlier detection;
and the loopback admin interface behind the ops listener."""

from __future__ import annotations

import posixpath
from typing import Any

from ..sds import GATEWAY_CA, GATEWAY_CERT, sds_ref


def upstream_tls(tls_dir: str, sds_dir: str | None, workload: str, trust_domain: str,
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


def cluster(name: str, endpoints: list[tuple[str, int]], dns: bool,
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


def admin_cluster(admin_port: int) -> dict[str, Any]:
    # No outlier detection: /ready answers 503 until Envoy is ready, by design.
    endpoint = {"address": {"socket_address": {"address": "127.0.0.1", "port_value": admin_port}}}
    return {"name": "envoy_admin", "type": "STATIC", "connect_timeout": "1s",
            "load_assignment": {"cluster_name": "envoy_admin",
                                "endpoints": [{"lb_endpoints": [{"endpoint": endpoint}]}]}}
