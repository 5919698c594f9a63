"""`python -m <svc>_service`: one command line for every service, from its description —
migrate, serve on the ports its settings name, its own extra commands, its refusals."""

from __future__ import annotations

import logging
import pathlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from authgate_common import service_main
from authgate_common.service_main import ServiceDescription, main
from authgate_common.settings import BaseServiceSettings
from pydantic import create_model

# A service named `demo`, declaring its ports as every service does: <SERVICE>_<KIND>_PORT.
PORTS = {"HTTP": 8199, "GRPC": 50099, "OPERATOR": 50199, "METRICS": 9199}
DemoSettings = create_model("DemoSettings", __base__=BaseServiceSettings,
                            **{f"DEMO_{kind}_PORT": (int, port) for kind, port in PORTS.items()})
DemoSettings.SERVICE = "demo"


class Refused(Exception):
    pass


@dataclass
class DemoService:
    events: list[str]
    http_app: Any = "the app"
    on_denied: Any = None

    def register(self, server: Any) -> None:
        pass

    def close(self) -> None:
        self.events.append("close")


@dataclass
class Run:
    events: list[str] = field(default_factory=list)
    served: dict[str, Any] = field(default_factory=dict)

    def describe(self, **extra: Any) -> ServiceDescription[Any, DemoService]:
        def bootstrap(settings: Any) -> DemoService:
            self.events.append("bootstrap")
            return DemoService(self.events)

        def migrate(settings: Any) -> None:
            self.events.append("migrate")

        return ServiceDescription(settings=DemoSettings, bootstrap=bootstrap, migrate=migrate,
                                  access={}, service_names=["t.Demo"], **extra)


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path) -> Run:
    monkeypatch.chdir(tmp_path)  # no .env here
    for name in ("DATABASE_URL", "REDIS_URL", "GRPC_INSECURE_PLAINTEXT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(32))
    monkeypatch.setenv("DEMO_GRPC_PORT", "50123")
    monkeypatch.setattr(service_main, "configure_logging", lambda *args: None)
    monkeypatch.setattr(service_main, "internal_tls", lambda settings: "tls")
    result = Run()
    monkeypatch.setattr(service_main, "require_no_eviction",
                        lambda url, log: result.events.append("no eviction checked"))
    monkeypatch.setattr(service_main, "serve", lambda **kwargs: result.served.update(kwargs))
    return result


def test_migrate_applies_the_migrations_and_serves_nothing(run: Run,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="demo_service"):
        main(run.describe(), ["migrate"])
    assert run.events == ["migrate"]
    assert not run.served
    assert "migrations applied" in caplog.messages


def test_serve_runs_the_service_on_the_ports_its_settings_name(run: Run) -> None:
    main(run.describe(), ["serve"])
    assert run.events == ["no eviction checked", "bootstrap"]
    served = run.served
    assert (served["name"], served["service_names"], served["http_app"]) == ("demo", ["t.Demo"], "the app")
    assert (served["http_port"], served["grpc_port"], served["operator_port"], served["metrics_port"]) == (
        8199, 50123, 50199, 9199)
    assert (served["host"], served["tls"], served["access"]) == ("127.0.0.1", "tls", {})
    assert served["on_drain"] is None
    served["on_stop"]()
    assert run.events[-1] == "close"


def test_jobs_start_after_bootstrap_and_stop_before_close(run: Run) -> None:
    def start_jobs(settings: Any, service: DemoService) -> Callable[[], None]:
        run.events.append("jobs started")
        return lambda: run.events.append("jobs stopped")

    main(run.describe(start_jobs=start_jobs, on_drain=lambda service: run.events.append("drain")), ["serve"])
    run.served["on_drain"]()
    run.served["on_stop"]()
    assert run.events == ["no eviction checked", "bootstrap", "jobs started",
                          "drain", "jobs stopped", "close"]


def test_an_extra_command_runs_with_the_settings_alone(run: Run) -> None:
    ran: list[Any] = []
    main(run.describe(commands={"rewrap": ran.append}), ["rewrap"])
    assert len(ran) == 1 and ran[0].DEMO_GRPC_PORT == 50123
    assert run.events == [] and not run.served


def test_an_unknown_command_is_a_usage_error(run: Run) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(run.describe(), ["rewrap"])
    assert stopped.value.code == 2


@pytest.mark.parametrize("command", ["serve", "check"])
def test_a_refusal_ends_with_its_reason_not_a_traceback(run: Run, command: str) -> None:
    def refuse(settings: Any) -> Any:
        raise Refused("cannot decrypt signing key kid=k1")

    description = run.describe(refusals=(Refused,), commands={"check": refuse})
    description = ServiceDescription(**{**description.__dict__, "bootstrap": refuse})
    with pytest.raises(SystemExit) as stopped:
        main(description, [command])
    assert stopped.value.code == "demo: refusing to start: cannot decrypt signing key kid=k1"
    assert not run.served
