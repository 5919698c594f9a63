"""docker-compose.yml follows the compose specification and `docker compose up -d`
comes up in order: stores healthy, then each migration, then each service, then Envoy."""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys
from typing import Any

import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
CHECK_JSONSCHEMA = pathlib.Path(sys.executable).parent / "check-jsonschema"
PORTS = {"identity": (8101, 50051), "session": (8102, 50052),
         "authorization": (8103, 50053), "token": (8104, 50054)}
ONE_SHOT = {*(f"{s}-migrate" for s in PORTS), "tls-cert"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def validate(path: pathlib.Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.compose-spec", str(path)],
                          capture_output=True, text=True, timeout=120)


def test_validates_against_the_compose_specification(tmp_path: pathlib.Path) -> None:
    proc = validate(COMPOSE)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # The validator does bite: a misspelt dependency condition is rejected.
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(COMPOSE.read_text().replace("service_completed_successfully", "service_done", 1))
    assert validate(broken).returncode != 0


def test_names_every_service(compose: dict[str, Any]) -> None:
    expected = {"postgres", "redis", "adminer", "gateway", "tls-cert", "gateway-tls",
                *PORTS, *(f"{s}-migrate" for s in PORTS)}
    assert set(compose["services"]) == expected


def test_every_long_running_container_has_a_health_check(compose: dict[str, Any]) -> None:
    for name, svc in compose["services"].items():
        if name in ONE_SHOT:
            assert svc["restart"] == "no", name
            continue
        test = svc["healthcheck"]["test"]
        assert test[0] in {"CMD", "CMD-SHELL"} and len(test) > 1, name
    for svc, (http_port, grpc_port) in PORTS.items():
        # The image's own Python probes HTTP /healthz and grpc.health.v1 on the right ports.
        test = compose["services"][svc]["healthcheck"]["test"]
        assert test == ["CMD", "python", "/app/healthcheck.py", str(http_port), str(grpc_port)]


def test_services_start_after_their_stores_and_migration(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for svc in PORTS:
        migrate = services[f"{svc}-migrate"]
        assert migrate["command"] == ["migrate"]
        assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
        assert services[svc]["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            f"{svc}-migrate": {"condition": "service_completed_successfully"},
        }
        assert migrate["image"] == services[svc]["image"]
        assert services[svc]["build"] == {"context": ".", "dockerfile": f"services/{svc}/Dockerfile"}
    for gateway in ("gateway", "gateway-tls"):
        deps = services[gateway]["depends_on"]
        assert all(deps[s] == {"condition": "service_healthy"} for s in PORTS)
    assert services["gateway-tls"]["depends_on"]["tls-cert"] == {
        "condition": "service_completed_successfully"}


def test_stores_adminer_and_gateway(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["postgres"]["image"].startswith("postgres:16")
    assert any(v.endswith(":/var/lib/postgresql/data") for v in services["postgres"]["volumes"])
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    redis = services["redis"]
    assert redis["image"].startswith("redis:7")
    assert redis["command"][redis["command"].index("--appendonly") + 1] == "yes"
    assert "redis-cli ping" in " ".join(redis["healthcheck"]["test"])
    assert any(p.endswith("8080:8080") for p in services["adminer"]["ports"])
    gateway = services["gateway"]
    assert gateway["image"].startswith("envoyproxy/envoy:v1.40")
    assert gateway["ports"] == ["8000:8000"]
    # Only the gateway and Adminer publish ports: services and stores stay internal.
    published = {n for n, s in services.items() if s.get("ports")}
    assert published == {"gateway", "gateway-tls", "adminer"}


def test_gateways_mount_the_rendered_configs(compose: dict[str, Any]) -> None:
    for name, rendered in (("gateway", "compose.yaml"), ("gateway-tls", "compose-tls.yaml")):
        mounts = compose["services"][name]["volumes"]
        src = next(m.split(":")[0] for m in mounts if m.endswith(":/etc/envoy/envoy.yaml:ro"))
        assert src == f"./gateway/rendered/{rendered}" and (REPO / src).is_file()
    tls = compose["services"]["gateway-tls"]
    assert "tls-certs:/etc/envoy/tls:ro" in tls["volumes"]
    assert "8443:8443" in tls["ports"]
    assert compose["services"]["tls-cert"]["profiles"] == ["tls"] == tls["profiles"]
    script = compose["services"]["tls-cert"]["volumes"][0].split(":")[0]
    assert (REPO / script).is_file()


def test_secrets_come_from_the_environment(compose: dict[str, Any]) -> None:
    text = COMPOSE.read_text()
    env = compose["services"]["token"]["environment"]
    assert env["ENVIRONMENT"] == "production"
    # `${VAR:?…}`: compose refuses to start without it; no value is written here.
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", env["SECRET_KEY"])
    assert "${POSTGRES_PASSWORD:?" in env["DATABASE_URL"]
    assert re.fullmatch(r"\$\{POSTGRES_PASSWORD:\?[^}]+\}",
                        compose["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"])
    for line in text.splitlines():
        found = re.match(r"\s*(SECRET_KEY|POSTGRES_PASSWORD)\s*:\s*(.*)", line)
        if found:
            assert found.group(2).startswith("${"), line
    for svc in (*PORTS, *(f"{s}-migrate" for s in PORTS)):
        assert compose["services"][svc]["environment"] == env, svc


def test_service_containers_are_locked_down(compose: dict[str, Any]) -> None:
    for svc in (*PORTS, *(f"{s}-migrate" for s in PORTS)):
        spec = compose["services"][svc]
        assert spec["read_only"] is True and spec["tmpfs"] == ["/tmp"]  # noqa: S108 - the mount, not a file
        assert spec["cap_drop"] == ["ALL"]
        assert "no-new-privileges:true" in spec["security_opt"]
        assert spec["environment"]["IDENTITY_GRPC_TARGET"] == "identity:50051"
