"""The systems under test: authgate (four services + Envoy on PostgreSQL and Redis,
started like tests/integration/flowkit.py's `start_stack`) here, node-oidc-provider v9
in oidc_provider.py (each described to the scenarios as a target.Target); and what every
scenario needs: a user, confidential clients, an SSO session, live tokens. Flows follow
RFC 6749 §4.1 (code, with PKCE, RFC 7636), §4.4 (client_credentials) and §6 (refresh)."""

from __future__ import annotations

import copy
import json
import os
import pathlib
import secrets
import subprocess
import sys
import time

import grpc
import httpx
from authgate_devstack.envoy.ext_authz import check_settings, filter_config
from authgate_devstack.envoy.routes import EXT_AUTHZ, EXT_AUTHZ_PER_ROUTE, ext_authz_off
from authgate_devstack.gateway import SERVICES, dump, load_source, render
from authgate_devstack.ports import Ports
from authgate_devstack.processes import VENV_BIN
from authgate_devstack.secrets_store import service_secrets
from authgate_devstack.stack import Stack
from grpc_health.v1 import health_pb2, health_pb2_grpc
from target import Target

BENCH = pathlib.Path(__file__).resolve().parent
AUTHGATE_CLI = str(VENV_BIN / "authgate")
PASSWORD = "correct horse battery staple"


# Scenario 6's baseline: the example API through the same Envoy, filters and cluster, on a
# route without ext_authz. The route sets the x-auth-* headers ext_authz would (values of
# the same sizes), so the API gives the same answer. Bench only: never in gateway.yaml.
NO_EXT_AUTHZ_PATH = "/bench/no-ext-authz/items"
NO_EXT_AUTHZ_IDENTITY = {"x-auth-sub": "0" * 36, "x-auth-scope": "openid read", "x-auth-sid": "0" * 32,
                         "x-auth-client-id": "authgate-bench"}


# The Envoy floor: the gateway answering by itself (every filter, no upstream).
ENVOY_ONLY_PATH = "/bench/envoy-only"

# The peer behind the same gateway: what the gateway the spec puts in front of authgate
# costs on the same operations (the peer's own figures are measured without it).
PEER_VIA_ENVOY_PREFIX = "/bench/peer/"


def add_bench_routes(config: dict, peer_port: int | None = None, issuer: str = "") -> None:
    hcm = config["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
    routes = hcm["route_config"]["virtual_hosts"][0]["routes"]
    # ext_authz is on for every route that does not turn it off (gateway.py).
    routes.insert(0, {"match": {"path": ENVOY_ONLY_PATH}, "typed_per_filter_config": ext_authz_off(),
                      "direct_response": {"status": 200, "body": {"inline_string": "{}"}}})
    clusters = config["static_resources"]["clusters"]
    if peer_port is not None:
        # The route and cluster the token endpoint has (timeout, retries, outlier detection),
        # pointed at the peer.
        oauth = next(r for r in routes if r["match"].get("prefix") == "/api/v1/oauth/")
        peer_route = copy.deepcopy(oauth)
        peer_route["match"] = {"prefix": PEER_VIA_ENVOY_PREFIX}
        peer_route["route"].update(cluster="peer_http", prefix_rewrite="/")
        routes.insert(0, peer_route)
        peer_cluster = copy.deepcopy(next(c for c in clusters if c["name"] == "token_http"))
        peer_cluster["name"] = peer_cluster["load_assignment"]["cluster_name"] = "peer_http"
        peer_cluster["load_assignment"]["endpoints"] = [{"lb_endpoints": [{"endpoint": {"address": {
            "socket_address": {"address": "127.0.0.1", "port_value": peer_port}}}}]}]
        clusters.append(peer_cluster)
    if not any(c["name"] == "example_http" for c in clusters):
        return  # the example API is not installed
    add_ext_authz_variants(hcm, routes, issuer)
    routes.insert(0, {
        "match": {"path": NO_EXT_AUTHZ_PATH},
        "typed_per_filter_config": ext_authz_off(),
        "route": {"cluster": "example_http", "prefix_rewrite": "/api/v1/example/items", "timeout": "15s"},
        "request_headers_to_add": [{"header": {"key": k, "value": v},
                                    "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}
                                   for k, v in NO_EXT_AUTHZ_IDENTITY.items()],
    })


# Scenario 6's alternatives (bench/NOTES.md item 32), on the same Envoy beside the
# default mode (gateway.yaml's ext_authz.mode): the gRPC Check (the mode before), and Envoy's
# jwt_authn (RS256 against the JWKS, issuer and audience) in front of the HTTP check. Each
# is a filter of its own, off unless its route turns it on. Bench only.
GRPC_EXT_AUTHZ_PATH = "/bench/grpc-ext-authz/items"
JWT_AUTHN_PATH = "/bench/jwt-authn/items"
BENCH_GRPC_AUTHZ = "authgate.bench.ext_authz_grpc"
JWT_AUTHN = "envoy.filters.http.jwt_authn"
EXAMPLE_CHECKS = {"scope": "read", "audience": "urn:authgate:api"}


def add_ext_authz_variants(hcm: dict, routes: list[dict], issuer: str) -> None:
    filters = hcm["http_filters"]
    at = next(i for i, f in enumerate(filters) if f["name"] == EXT_AUTHZ)
    auth = {**load_source()["ext_authz"]}
    grpc_filter = {"name": BENCH_GRPC_AUTHZ, "disabled": True,
                   "typed_config": filter_config({**auth, "mode": "grpc"})}
    jwt_filter = {"name": JWT_AUTHN, "disabled": True, "typed_config": {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication",
        "providers": {"authgate": {
            "issuer": issuer, "audiences": [EXAMPLE_CHECKS["audience"]],
            "remote_jwks": {"http_uri": {"uri": f"{issuer}/.well-known/jwks.json", "cluster": "token_http",
                                         "timeout": "1s"},
                            "cache_duration": "300s", "async_fetch": {}},
            "forward": True}},
        "requirement_map": {"authgate": {"provider_name": "authgate"}}}}
    filters[at:at] = [jwt_filter]
    filters.insert(at + 2, grpc_filter)
    per_route = "type.googleapis.com/envoy.config.route.v3.FilterConfig"
    example = {"cluster": "example_http", "prefix_rewrite": "/api/v1/example/items", "timeout": "15s"}
    scope, audience = EXAMPLE_CHECKS["scope"], EXAMPLE_CHECKS["audience"]
    routes.insert(0, {"match": {"path": GRPC_EXT_AUTHZ_PATH}, "route": example, "typed_per_filter_config": {
        **ext_authz_off(),
        BENCH_GRPC_AUTHZ: {"@type": per_route, "config": {
            "@type": EXT_AUTHZ_PER_ROUTE,
            "check_settings": check_settings({**auth, "mode": "grpc"}, scope, audience)}}}})
    routes.insert(0, {"match": {"path": JWT_AUTHN_PATH}, "route": example, "typed_per_filter_config": {
        EXT_AUTHZ: {"@type": EXT_AUTHZ_PER_ROUTE, "check_settings": check_settings(auth, scope, audience)},
        JWT_AUTHN: {"@type": per_route, "config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig",
            "requirement_name": "authgate"}}}})


class BenchStack(Stack):
    """The local stack, which can also run with GRPC_INSECURE_PLAINTEXT (the baseline of
    the `mtls` scenario): its readiness check then asks the gRPC listeners in plaintext."""

    @property
    def plaintext(self) -> bool:
        return self.env.get("GRPC_INSECURE_PLAINTEXT") == "true"

    def _grpc_serving(self, service: str, replica: int) -> bool:
        if not self.plaintext:
            return super()._grpc_serving(service, replica)
        for target in (self.grpc_target(service, replica), self.operator_target(service, replica)):
            try:
                with grpc.insecure_channel(target) as ch:
                    resp = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=1)
            except grpc.RpcError:
                return False
            if resp.status != health_pb2.HealthCheckResponse.SERVING:
                return False
        return True


class AuthgateSystem:
    """The stack on a throwaway PostgreSQL database and Redis prefix, Envoy's per-address
    and the token service's per-client rate limits off (every load request comes from
    127.0.0.1 with one client). As under `make up`: each service its own secrets and
    database role (`db_url`, an administrator's, only sets the roles up), and mutual TLS
    on every gRPC hop unless `restart(internal_tls=False)` turned it off."""

    def __init__(self, workdir: pathlib.Path, db_url: str, redis_url: str, prefix: str,
                 token_replicas: int, peer_port: int | None = None) -> None:
        self.db_url = db_url
        self.peer_port = peer_port  # routed at PEER_VIA_ENVOY_PREFIX when given
        env = {"ENVIRONMENT": "development", "LOG_LEVEL": "INFO", "REDIS_URL": redis_url,
               "REDIS_KEY_PREFIX": prefix,
               # Throughput is the measure: the per-client limit (like Envoy's per-address
               # ones below) would answer 429 to the load generator's single client.
               "TOKEN_CLIENT_RATE_LIMIT": "0"}
        own = service_secrets(workdir / "var" / "secrets", SERVICES, database_url=db_url)
        self.stack = BenchStack(ports=Ports.free({"token": token_replicas}), env=env, workdir=workdir,
                                service_secrets=own.env, database_admin_url=db_url)

    def start(self) -> None:
        self.stack.workdir.mkdir(parents=True, exist_ok=True)
        self.stack.migrate()
        self._start_processes(first=True)

    def restart(self, *, internal_tls: bool) -> float:
        """Every process stopped and started again, its gRPC listeners and channels in
        mutual TLS or, `internal_tls` False, in plaintext with no caller check; returns
        the seconds it took. The database, Redis and the certificates stay as they were."""
        t0 = time.monotonic()
        self.stack.stop()
        if internal_tls:
            self.stack.env.pop("GRPC_INSECURE_PLAINTEXT", None)
        else:
            self.stack.env["GRPC_INSECURE_PLAINTEXT"] = "true"
        self._start_processes()
        return time.monotonic() - t0

    def _start_processes(self, first: bool = False) -> None:
        try:
            # Only the first start may draw other ports: later ones (restarts) keep the ports
            # the measuring side already holds.
            if first:
                self.stack.start_on_free_ports(timeout=120)
            else:
                self.stack.start(timeout=120)
            self._restart_envoy_without_rate_limits()
        except BaseException:
            self.stack.stop()
            raise

    def _restart_envoy_without_rate_limits(self) -> None:
        st = self.stack
        st.stop_process("envoy")
        config = st.workdir / "envoy-bench.yaml"
        rendered = render("local", st.ports.endpoints(), listener_port=st.ports.gateway,
                          admin_port=st.ports.admin, rate_limits={},
                          gateway_tls_dir=str(st.pki_dir / "gateway"))
        if st.plaintext:
            # ext_authz's upstream is the token service's gRPC port, plaintext now. The
            # example API has no plaintext mode and no `mtls` measure reaches it: its
            # cluster keeps TLS.
            clusters = rendered["static_resources"]["clusters"]
            for name in ("token_grpc", "token_authz"):  # the ext_authz listener is plaintext too
                del next(c for c in clusters if c["name"] == name)["transport_socket"]
        add_bench_routes(rendered, self.peer_port, st.base_url)
        config.write_text(dump(rendered))
        st._spawn("envoy", [str(VENV_BIN / "envoy"), "-c", str(config), "--log-level", "warning",
                            "--base-id", str(st.ports.admin)], dict(os.environ))
        st.wait_ready(60)

    def stop(self) -> None:
        self.stack.stop()

    def cli(self, *args: str, stdin: str | None = None) -> dict:
        """The `authgate` CLI on the operator listeners, with the local operator's certificate."""
        env = {**os.environ, **self.stack.cli_env()}
        proc = subprocess.run([AUTHGATE_CLI, *args, "--json"], input=stdin, capture_output=True,
                              text=True, env=env, cwd=self.stack.workdir, timeout=60, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"authgate {' '.join(args)}: {proc.stdout}{proc.stderr}")
        return json.loads(proc.stdout) if proc.stdout.strip() else {}

    def client(self, cid: str, *grants: str, redirect: str) -> tuple[str, str]:
        args = ["client", "create", "--client-id", cid, "--redirect-uri", redirect,
                "--scope", "openid profile email read write", "--first-party"]
        for grant in grants:
            args += ["--grant-type", grant]
        return cid, self.cli(*args)["client_secret"]

    def pids(self) -> list[int]:
        return [p.pid for p in self.stack.procs.values()]

    def setup(self) -> tuple[Target, dict]:
        """A user, three confidential clients, an SSO session and a live access token."""
        base = self.stack.base_url
        redirect = "https://app.example/authgate/cb"
        name = "bench" + secrets.token_hex(3)
        user = self.cli("user", "create", "--username", name, "--email", f"{name}@example.com",
                        "--name", "Bench User", "--password-stdin", stdin=PASSWORD + "\n")
        target = Target(
            name="authgate", base=base, token_path="/api/v1/oauth/token",
            introspect_path="/api/v1/oauth/introspect", authorize_path="/api/v1/oauth/authorize",
            cc_client=self.client("bench-cc", "client_credentials", redirect=redirect),
            flow_client=self.client("bench-flow", "authorization_code", redirect=redirect),
            refresh_client=self.client("bench-refresh", "authorization_code", "refresh_token",
                                       redirect=redirect),
            redirect_uri=redirect)
        with httpx.Client(base_url=base, timeout=30) as http:
            resp = http.post("/api/v1/sso/login", json={"username": name, "password": PASSWORD})
            if resp.status_code != 200:
                raise RuntimeError(f"login {resp.status_code}: {resp.text}")
            target.flow_cookies = dict(resp.cookies)
            sid = resp.json()["sid"]
        with target.browser() as browser:
            tokens = target.code_flow(browser, target.flow_client, "openid read")
        target.intro_caller = target.flow_client
        target.intro_token = tokens["access_token"]
        target.pids = self.pids()
        return target, {"user": name, "user_id": user.get("id", ""), "sid": sid,
                        "access_token": tokens["access_token"]}


def version_of(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError):
        return "unknown"


def versions() -> dict[str, str]:
    peer_pkg = BENCH / "peer" / "node_modules" / "oidc-provider" / "package.json"
    envoy = version_of([str(VENV_BIN / "envoy"), "--version"])
    return {
        "python": sys.version.split()[0],
        "envoy": envoy.split("version:")[-1].strip() if "version:" in envoy else envoy,
        "node": version_of(["node", "--version"]),
        "oidc-provider": json.loads(peer_pkg.read_text())["version"] if peer_pkg.exists() else "missing",
        "wrk": version_of(["wrk", "--version"]).split(" [")[0],
        "authgate_commit": version_of(["git", "-C", str(BENCH.parent), "rev-parse", "--short", "HEAD"]),
        "authgate_dirty": "yes" if version_of(["git", "-C", str(BENCH.parent), "status", "--porcelain"])
        not in ("", "unknown") else "no",
    }
