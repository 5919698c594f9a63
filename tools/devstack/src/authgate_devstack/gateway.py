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
from typing import Any

import yaml

from .envoy.clusters import admin_cluster, cluster, upstream_tls
from .envoy.ext_authz import AUTHZ_CLUSTER
from .envoy.ext_authz import mode as ext_authz_mode_of
from .envoy.listeners import hcm, listener, ops_listener, tls_socket
from .envoy.routes import public_routes, redirect_routes
from .sds import GATEWAY_CA, GATEWAY_CERT, PUBLIC_CERT, sds_file, sds_files

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


def load_source() -> dict[str, Any]:
    return yaml.safe_load(SOURCE.read_text())


def _upstreams(endpoints: Endpoints, dns: bool, tls_dir: str, sds_dir: str | None,
               domain: str) -> list[dict[str, Any]]:
    """The services' public HTTP ports (plain HTTP), then over mutual TLS as their own
    workloads: the token service's gRPC port (ext_authz) and every protected upstream."""
    token_authz = [cluster(AUTHZ_CLUSTER, endpoints[AUTHZ_CLUSTER], dns,
                           transport_socket=upstream_tls(tls_dir, sds_dir, "token", domain))
                   ] if AUTHZ_CLUSTER in endpoints else []
    return ([cluster(f"{svc}_http", endpoints[svc], dns) for svc in SERVICES]
            + [cluster("token_grpc", endpoints["token_grpc"], dns, http2=True,
                       transport_socket=upstream_tls(tls_dir, sds_dir, "token", domain, ["h2"]))]
            + token_authz
            + [cluster(f"{name}_http", eps, dns,
                       transport_socket=upstream_tls(tls_dir, sds_dir, name, domain))
               for name, eps in endpoints.items()
               if name not in SERVICES and name not in ("token_grpc", AUTHZ_CLUSTER)])


def _listeners(src: dict[str, Any], target: str, address: str, port: int, tls: bool,
               tls_files: tuple[str, str] | None, tls_port: int | None,
               upstreams: set[str], sds_dir: str | None) -> list[dict[str, Any]]:
    proxy = src["proxy_protocol"]
    if not tls:
        return [listener("public", address, port,
                         hcm(src, "public", public_routes(src, None, upstreams)),
                         proxy_protocol=proxy)]
    t = src["tls"]
    cert_chain, private_key = tls_files or (t["cert_chain"], t["private_key"])
    tls_port = tls_port or t["listener_port"]
    redirect_port = t["redirect_port"].get(target, tls_port)
    return [
        listener("public_tls", address, tls_port,
                 hcm(src, "public_tls", public_routes(src, t["hsts"], upstreams)),
                 tls_socket(t, cert_chain, private_key, sds_dir), proxy_protocol=proxy),
        # Plain HTTP only redirects: no route reaches a service without TLS.
        listener("public", address, port,
                 hcm(src, "redirect", redirect_routes(redirect_port), buffer=False),
                 proxy_protocol=proxy),
    ]


def render(target: str, endpoints: Endpoints | None = None, *, listener_port: int | None = None,
           admin_port: int | None = None, ops_port: int | None = None, tls: bool = False,
           tls_files: tuple[str, str] | None = None, tls_port: int | None = None,
           rate_limits: dict[str, dict[str, int]] | None = None,
           gateway_tls_dir: str | None = None, sds_dir: str | None = None,
           trusted_hops: int | None = None, proxy_protocol: bool | None = None,
           ext_authz_mode: str | None = None) -> dict[str, Any]:
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
    learns the client's address behind a load balancer). `ext_authz_mode` overrides
    gateway.yaml's `ext_authz.mode` (http: `endpoints` needs `token_authz`, the token
    replicas' ext_authz HTTP ports; grpc: their gRPC ports, `token_grpc`).
    """
    src = load_source()
    if target in ("local", *src["targets"]):
        src["trusted_hops"] = src["trusted_hops"][target] if trusted_hops is None else trusted_hops
        src["proxy_protocol"] = bool(src["proxy_protocol"][target] if proxy_protocol is None
                                     else proxy_protocol)
    if ext_authz_mode is not None:
        src["ext_authz"]["mode"] = ext_authz_mode
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
    if ext_authz_mode_of(src["ext_authz"]) == "http" and AUTHZ_CLUSTER not in endpoints:
        raise ValueError(f"ext_authz.mode http needs the {AUTHZ_CLUSTER} endpoints (the token "
                         "replicas' TOKEN_AUTHZ_PORT)")
    tls_dir, domain = gateway_tls_dir or internal["dir"], internal["trust_domain"]
    # Locally everything stays on loopback; in a container the public and ops listeners
    # listen on the pod/compose network (the ops one is never published).
    address = "127.0.0.1" if target == "local" else "0.0.0.0"
    admin = admin_port or src["admin_port"]
    listeners = _listeners(src, target, address, listener_port or src["listener_port"],
                           tls, tls_files, tls_port, set(endpoints), sds_dir)
    clusters = _upstreams(endpoints, dns, tls_dir, sds_dir, domain)
    if ops_port:
        listeners.append(ops_listener(address, ops_port))
        clusters.append(admin_cluster(admin))
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
