"""Start the four services and Envoy as local processes: `make up` and the integration tests.

One `Stack` runs one replica set: each service as `python -m <svc>_service serve` with
its own HTTP, gRPC and metrics ports, and Envoy on a rendered local config in front of
them. With N replicas of a service, Envoy balances over all N and every process is given
a `<SVC>_GRPC_TARGET` listing all N (gRPC's round_robin spreads calls over them).
`supervise()` (on in `make up`, opt-in for tests) restarts a process that crashes.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pathlib
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import grpc
from authgate_common.grpc_access import InternalTls
from authgate_common.grpc_server import channel
from authgate_common.pki import ensure_dev_pki
from grpc_health.v1 import health_pb2, health_pb2_grpc

from .gateway import SERVICES, dump, render, sds_files
from .ports import Ports
from .processes import VENV_BIN, ProcessGroup, http_ok


@dataclass
class Stack(ProcessGroup):
    ports: Ports
    env: dict[str, str]
    # The example resource API behind ext_authz (examples/resource_api), when installed.
    with_example: bool = field(default_factory=lambda: importlib.util.find_spec("example_api") is not None)
    # Envoy's per-address limits (gateway.yaml `rate_limits` shape); None: gateway.yaml's own.
    rate_limits: dict[str, dict[str, int]] | None = None
    # Settings one service runs with on top of `env` (see `reconfigured`).
    overrides: dict[str, dict[str, str]] = field(default_factory=dict)
    # What one service alone is given (its SECRET_KEY, its database role's URL; see
    # secrets_store): never in another service's environment.
    service_secrets: dict[str, dict[str, str]] = field(default_factory=dict)
    # DATABASE_ADMIN_URL, for `migrate` to set up each service's role and schema; no
    # running service is given it.
    database_admin_url: str | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.gateway}"

    def grpc_target(self, service: str, replica: int = 0) -> str:
        return f"127.0.0.1:{self.ports.grpc[service][replica]}"

    def operator_target(self, service: str, replica: int = 0) -> str:
        return f"127.0.0.1:{self.ports.operator[service][replica]}"

    def operator_targets(self, service: str) -> str:
        """Every replica's operator listener as one gRPC target."""
        ports = self.ports.operator[service]
        if len(ports) == 1:
            return self.operator_target(service)
        return "ipv4:" + ",".join(f"127.0.0.1:{p}" for p in ports)

    def cli_env(self) -> dict[str, str]:
        """What the `authgate` CLI needs to reach this stack: every operator listener and
        the operator's certificate."""
        folder = self.pki_dir / "operator"
        env = {f"{svc.upper()}_OPERATOR_TARGET": self.operator_targets(svc) for svc in SERVICES}
        env.update(AUTHGATE_CA=str(folder / "ca.crt"), AUTHGATE_CERT=str(folder / "tls.crt"),
                   AUTHGATE_KEY=str(folder / "tls.key"))
        return env

    @property
    def var_dir(self) -> pathlib.Path:
        return pathlib.Path(self.env.get("VAR_DIR", self.workdir / "var")).resolve()

    @property
    def pki_dir(self) -> pathlib.Path:
        """The local CA (`ca/`) and a certificate folder per workload (authgate_common.pki)."""
        return self.var_dir / "pki"

    def ensure_pki(self) -> bool:
        """Make the local CA and certificates on first start (reused after); True if made."""
        made = not (self.pki_dir / "ca" / "ca.key").exists()
        ensure_dev_pki(self.pki_dir)
        return made

    def tls(self, workload: str) -> InternalTls:
        return InternalTls.in_dir(str(self.pki_dir / workload))

    def channel(self, service: str, workload: str = "validator", replica: int = 0,
                operator: bool = False) -> grpc.Channel:
        """A mutual-TLS channel to one replica of `service`, presenting `workload`'s
        certificate: its internal listener, or its operator listener."""
        target = self.operator_target(service, replica) if operator else self.grpc_target(service, replica)
        return channel(target, self.tls(workload), service)

    def grpc_targets(self, service: str) -> str:
        """Every replica of `service` as one gRPC target (`ipv4:` takes a list of addresses)."""
        ports = self.ports.grpc[service]
        if len(ports) == 1:
            return self.grpc_target(service)
        return "ipv4:" + ",".join(f"127.0.0.1:{p}" for p in ports)

    def metrics_url(self, service: str, replica: int = 0) -> str:
        return f"http://127.0.0.1:{self.ports.metrics_port(service, replica)}/metrics"

    @staticmethod
    def process_name(service: str, replica: int = 0) -> str:
        return service if replica == 0 else f"{service}-{replica}"

    def service_env(self, service: str | None = None, replica: int = 0) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("DATABASE_", "REDIS_", "SECRET_KEY", "SIGNING_KEY_ENCRYPTION_KEYS"))}
        env.update(self.env)
        env.setdefault("ISSUER", self.base_url)
        env["VAR_DIR"] = str(self.var_dir)
        for svc in SERVICES:
            env[f"{svc.upper()}_GRPC_TARGET"] = self.grpc_targets(svc)
        if service:
            env.update(self.service_secrets.get(service, {}))
            env.update(self.overrides.get(service, {}))
            env[f"{service.upper()}_HTTP_PORT"] = str(self.ports.http[service][replica])
            env[f"{service.upper()}_GRPC_PORT"] = str(self.ports.grpc[service][replica])
            env[f"{service.upper()}_METRICS_PORT"] = str(self.ports.metrics_port(service, replica))
            env[f"{service.upper()}_OPERATOR_PORT"] = str(self.ports.operator[service][replica])
            if service == "token" and self.ports.authz:
                env["TOKEN_AUTHZ_PORT"] = str(self.ports.authz[replica])
            env["GRPC_TLS_DIR"] = str(self.pki_dir / service)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def migrate(self) -> None:
        # Each service owns its schema (or SQLite file), so the four can migrate at once.
        admin = {"DATABASE_ADMIN_URL": self.database_admin_url} if self.database_admin_url else {}
        procs = {svc: subprocess.Popen([sys.executable, "-m", f"{svc}_service", "migrate"],
                                       env={**self.service_env(svc), **admin}, cwd=self.workdir)
                 for svc in SERVICES}
        failed = [svc for svc, proc in procs.items() if proc.wait() != 0]
        if failed:
            raise RuntimeError(f"migrations failed: {', '.join(failed)}")

    def start_service(self, svc: str, replica: int = 0) -> None:
        self._spawn(self.process_name(svc, replica), [sys.executable, "-m", f"{svc}_service", "serve"],
                    self.service_env(svc, replica))

    @contextlib.contextmanager
    def reconfigured(self, service: str, env: dict[str, str], timeout: float = 60) -> Iterator[None]:
        """Every replica of `service` restarted with `env` on top of the stack's settings,
        and restarted as it was on exit; the other services and Envoy keep running.

        Cheaper than a stack of its own for tests that need one setting changed (a low
        limit, a short cache) and run alone on this stack meanwhile.
        """
        self._restart(service, env, timeout)
        try:
            yield
        finally:
            self._restart(service, {}, timeout)

    def _restart(self, service: str, env: dict[str, str], timeout: float) -> None:
        replicas = range(len(self.ports.http[service]))
        self._stop_at_once([self.process_name(service, i) for i in replicas])
        self.overrides[service] = dict(env)
        for i in replicas:
            self.start_service(service, i)
        deadline = time.monotonic() + timeout
        for i in replicas:
            self._wait_replica(service, i, deadline)

    def revive(self, service: str, timeout: float = 60) -> None:
        """Start again every replica of `service` that is not running (a test killed it)."""
        deadline = time.monotonic() + timeout
        for i in range(len(self.ports.http[service])):
            proc = self.procs.get(self.process_name(service, i))
            if proc is None or proc.poll() is not None:
                self.start_service(service, i)
                self._wait_replica(service, i, deadline)

    def _wait_replica(self, service: str, replica: int, deadline: float) -> None:
        http_port = self.ports.http[service][replica]
        self._wait(lambda: self._grpc_serving(service, replica), deadline, f"{service}[{replica}] gRPC")
        self._wait(lambda: http_ok(f"http://127.0.0.1:{http_port}/healthz"), deadline,
                   f"{service}[{replica}] HTTP")

    def start(self, timeout: float = 60) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.ensure_pki()
        for svc in SERVICES:
            for i in range(len(self.ports.http[svc])):
                self.start_service(svc, i)
        if self.with_example:
            self._spawn("example", [sys.executable, "-m", "example_api"],
                        {**self.service_env(), "EXAMPLE_API_PORT": str(self.ports.example)})
        # Under VAR_DIR like everything else the stack writes: a checkout stays clean.
        self.var_dir.mkdir(parents=True, exist_ok=True)
        config = self.var_dir / "envoy.yaml"
        # Envoy reads the gateway's certificate through these: a renewed one is picked up.
        for name, text in sds_files(str(self.pki_dir / "gateway")).items():
            (self.var_dir / name).write_text(text)
        config.write_text(dump(render("local", self.ports.endpoints(), listener_port=self.ports.gateway,
                                      admin_port=self.ports.admin, rate_limits=self.rate_limits,
                                      gateway_tls_dir=str(self.pki_dir / "gateway"),
                                      sds_dir=str(self.var_dir))))
        self._spawn("envoy", [str(VENV_BIN / "envoy"), "-c", str(config), "--log-level", "warning",
                              "--base-id", str(self.ports.admin)], dict(os.environ))
        self.wait_ready(timeout)

    def start_on_free_ports(self, timeout: float = 60, attempts: int = 3) -> None:
        """start() for a stack on drawn ports (Ports.free). The draw releases its ports before
        the processes bind them, so another program (a test stack started beside this one)
        may take one in between: then every process stops, fresh ports are drawn and the
        stack starts again, up to `attempts` times. Any other failure is raised at once."""
        for attempt in range(1, attempts + 1):
            try:
                self.start(timeout)
                return
            except (RuntimeError, TimeoutError) as err:
                if attempt == attempts or "address already in use" not in str(err).lower():
                    raise
                self.stop()
                self.procs.clear()
                self.ports = Ports.free({svc: len(ports) for svc, ports in self.ports.http.items()})

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for svc in SERVICES:
            for i in range(len(self.ports.http[svc])):
                self._wait_replica(svc, i, deadline)
        if self.with_example:
            gateway = self.pki_dir / "gateway"
            as_gateway = ssl.create_default_context(cafile=str(gateway / "ca.crt"))
            as_gateway.load_cert_chain(gateway / "tls.crt", gateway / "tls.key")
            self._wait(lambda: http_ok(f"https://127.0.0.1:{self.ports.example}/healthz", as_gateway),
                       deadline,
                       "example API")
        self._wait(lambda: http_ok(f"http://127.0.0.1:{self.ports.admin}/ready"), deadline, "envoy")

    def stop(self) -> None:
        # The gateway first, so no new request comes in; then every service at once: each
        # drains its own requests in flight, and stopping takes the slowest drain, not the sum.
        self.unsupervise()
        self.stop_process("envoy")
        self._stop_at_once([name for name in self.procs if name != "envoy"])

    def _grpc_serving(self, service: str, replica: int) -> bool:
        """Both listeners answer grpc.health.v1 over mutual TLS (any workload may ask)."""
        for operator in (False, True):
            try:
                with self.channel(service, replica=replica, operator=operator) as ch:
                    resp = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=1)
                    if resp.status != health_pb2.HealthCheckResponse.SERVING:
                        return False
            except grpc.RpcError:
                return False
        return True
