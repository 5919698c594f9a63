"""`python -m <svc>_service migrate|serve` for every service: each `__main__.py` describes
its service (a `ServiceDescription`) and hands it to `main`.

`migrate` applies the service's migrations. `serve` checks Redis never evicts, builds the
service with its `bootstrap`, starts its background jobs, and runs it with
`authgate_common.runner.serve` on the ports its settings name
(`<SERVICE>_HTTP_PORT`, `_GRPC_PORT`, `_OPERATOR_PORT`, `_METRICS_PORT`) until SIGTERM.
A service may add commands of its own (the token service's `rewrap`).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import grpc
from starlette.types import ASGIApp

from .grpc_access import AccessTable, DenialHook
from .grpc_server import internal_tls
from .kv import require_no_eviction
from .logs import configure_logging
from .runner import serve
from .settings import BaseServiceSettings, load_settings


class Service(Protocol):
    """What `bootstrap` returns: the servicers to register, the HTTP app, its resources."""

    @property
    def http_app(self) -> ASGIApp: ...
    @property
    def register(self) -> Callable[[grpc.Server], None]: ...
    @property
    def on_denied(self) -> DenialHook | None: ...

    def close(self) -> None: ...


SettingsT = TypeVar("SettingsT", bound=BaseServiceSettings)
ServiceT = TypeVar("ServiceT", bound=Service)


@dataclass(frozen=True)
class ServiceDescription(Generic[SettingsT, ServiceT]):
    """One service as its command line runs it; the name is `settings.SERVICE`."""

    settings: type[SettingsT]
    bootstrap: Callable[[SettingsT], ServiceT]
    migrate: Callable[[SettingsT], None]
    access: AccessTable  # who may call which method (beside the servicers)
    service_names: Sequence[str]  # the gRPC services the health service reports
    # Commands besides migrate and serve: name -> what it runs with the settings.
    commands: Mapping[str, Callable[[SettingsT], None]] = field(default_factory=dict)
    # Errors whose message, not a traceback, ends a command or the start:
    # "<name>: refusing to start: <message>".
    refusals: tuple[type[Exception], ...] = ()
    # Started once the service is built; returns what stops them (before `close`).
    start_jobs: Callable[[SettingsT, ServiceT], Callable[[], None]] | None = None
    # Runs once the drain has begun (runner.serve's on_drain): end server streams there.
    on_drain: Callable[[ServiceT], None] | None = None


def _port(settings: BaseServiceSettings, kind: str) -> Any:
    return getattr(settings, f"{settings.SERVICE.upper()}_{kind}_PORT")


def main(description: ServiceDescription[SettingsT, ServiceT], argv: list[str] | None = None) -> None:
    name = description.settings.SERVICE
    log = logging.getLogger(f"{name}_service")
    parser = argparse.ArgumentParser(prog=f"{name}_service", description=f"authgate {name} service")
    parser.add_argument("command", choices=["migrate", "serve", *description.commands])
    args = parser.parse_args(argv)
    settings = load_settings(description.settings)
    configure_logging(name, settings.LOG_LEVEL, settings.LOG_JSON)
    if args.command == "migrate":
        description.migrate(settings)
        log.info("migrations applied")
        return
    try:
        if args.command != "serve":
            description.commands[args.command](settings)
            return
        require_no_eviction(settings.REDIS_URL, log)
        service = description.bootstrap(settings)
    except description.refusals as exc:  # e.g. a wrong or dropped key: the reason, not a traceback
        raise SystemExit(f"{name}: refusing to start: {exc}") from None
    stop_jobs = description.start_jobs(settings, service) if description.start_jobs else None

    def stop() -> None:
        if stop_jobs is not None:
            stop_jobs()
        service.close()

    on_drain = description.on_drain
    serve(name=name, grpc_port=_port(settings, "GRPC"), register=service.register,
          service_names=list(description.service_names), http_app=service.http_app,
          http_port=_port(settings, "HTTP"), max_workers=settings.grpc_server_threads,
          metrics_port=_port(settings, "METRICS"), on_stop=stop,
          on_drain=(lambda: on_drain(service)) if on_drain else None,
          host=settings.BIND_HOST, tls=internal_tls(settings), access=description.access,
          operator_port=_port(settings, "OPERATOR"), on_denied=service.on_denied)
