"""docker-compose.yml follows the compose specification and `docker compose up -d`
comes up in order: stores healthy and certificates made, then each migration, then each
service, then Envoy. Only the gateway publishes a port beyond loopback; each container
mounts its own certificate only; each service has its own secret and database role."""

from __future__ import annotations

import pathlib
import re
import stat
import subprocess
import sys
from typing import Any

import pytest
import yaml
from authgate_devstack.gateway import load_source

REPO = pathlib.Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
GENERATE_ENV = REPO / "deploy" / "compose" / "generate_env.py"
CHECK_JSONSCHEMA = pathlib.Path(sys.executable).parent / "check-jsonschema"
PORTS = {"identity": (8101, 50051), "session": (8102, 50052),
         "authorization": (8103, 50053), "token": (8104, 50054)}
ONE_SHOT = {*(f"{s}-migrate" for s in PORTS), "tls-cert", "pki", "cli", "config-apply"}
TLS_DIR = "/etc/authgate/pki"
# Each container that holds a certificate, and the workload whose folder it mounts.
CERTIFICATE_OF = {**{s: s for s in PORTS}, "gateway": "gateway", "gateway-tls": "gateway",
                  "cli": "operator", "config-apply": "operator"}


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
    expected = {"postgres", "redis", "adminer", "mailpit", "gateway", "tls-cert", "gateway-tls", "pki", "cli",
                "config-apply", *PORTS, *(f"{s}-migrate" for s in PORTS)}
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
            "pki": {"condition": "service_completed_successfully"},
            f"{svc}-migrate": {"condition": "service_completed_successfully"},
        }
        assert migrate["image"] == services[svc]["image"]
    # One Dockerfile, SERVICE picking the service; every container of an image builds it alike.
    for name, spec in services.items():
        image = spec.get("image", "")
        if image.startswith("authgate/"):
            svc = image.removeprefix("authgate/").split(":")[0]
            cli = {"EXTRA_PACKAGES": "authgate-cli"} if svc == "identity" else {}
            assert spec["build"] == {"context": ".", "dockerfile": "deploy/docker/Dockerfile",
                                     "args": {"SERVICE": svc, **cli}}, name
    for gateway in ("gateway", "gateway-tls"):
        deps = services[gateway]["depends_on"]
        assert all(deps[s] == {"condition": "service_healthy"} for s in PORTS)
        assert deps["pki"] == {"condition": "service_completed_successfully"}
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
    # The health check asks the ops listener: the admin interface binds 127.0.0.1.
    ops = f"/dev/tcp/127.0.0.1/{load_source()['ops_port']}"
    assert ops in " ".join(gateway["healthcheck"]["test"])


def test_only_the_gateway_publishes_a_port_beyond_loopback(compose: dict[str, Any]) -> None:
    services = compose["services"]
    published = {n: s["ports"] for n, s in services.items() if s.get("ports")}
    assert set(published) == {"gateway", "gateway-tls", "adminer", "mailpit"}
    # Adminer (a database console) and Mailpit (the development mail catcher) answer on the
    # host's loopback only.
    for console in ("adminer", "mailpit"):
        assert all(p.startswith("127.0.0.1:") for p in published[console])
    for name in ("gateway", "gateway-tls"):
        # Never the admin (9901) or ops (9902) listener.
        assert not {p.split(":")[-1] for p in published[name]} & {"9901", "9902"}
    for svc in PORTS:
        # Inside its container a service listens on every address; nothing is published.
        assert services[svc]["environment"]["BIND_HOST"] == "0.0.0.0"
        assert "ports" not in services[svc] and "network_mode" not in services[svc]


def _volume_mounts(spec: dict[str, Any]) -> dict[str, str]:
    """target -> source of a service's named-volume and bind mounts (short syntax)."""
    out = {}
    for mount in spec.get("volumes", []):
        source, target = mount.split(":")[:2]
        out[target] = source
    return out


def test_each_container_mounts_only_its_own_certificate(compose: dict[str, Any]) -> None:
    services = compose["services"]
    volumes = set(compose["volumes"])
    for name, spec in services.items():
        mounts = _volume_mounts(spec)
        pki = {t: s for t, s in mounts.items() if s.startswith("pki-")}
        if name == "pki":
            continue
        if name not in CERTIFICATE_OF:
            assert not pki, f"{name} holds no certificate"
            continue
        workload = CERTIFICATE_OF[name]
        assert pki == {TLS_DIR: f"pki-{workload}"}, name
        assert f"pki-{workload}:{TLS_DIR}:ro" in spec["volumes"], "read-only"
        assert f"pki-{workload}" in volumes
        assert spec["depends_on"]["pki"] == {"condition": "service_completed_successfully"}
    for svc in PORTS:
        assert services[svc]["environment"]["GRPC_TLS_DIR"] == TLS_DIR
    # Envoy reads its certificate where gateway.yaml says (`internal_tls.dir`).
    assert load_source()["internal_tls"]["dir"] == TLS_DIR


def test_the_pki_job_fills_one_volume_per_workload(compose: dict[str, Any]) -> None:
    job = compose["services"]["pki"]
    mounts = _volume_mounts(job)
    assert mounts["/pki"] == "pki-ca"  # the CA key stays here, mounted by no one else
    assert {t: s for t, s in mounts.items() if t != "/pki"} == {
        f"/pki/{w}": f"pki-{w}" for w in set(CERTIFICATE_OF.values())}
    script = " ".join(job["entrypoint"] + job["command"])
    assert "--dir /pki" in script
    # Each folder belongs to the user that runs its workload: 10001 (the images), 101 (Envoy).
    assert re.search(r"chown -R 101:101 /pki/gateway\b", script)
    assert set(re.search(r"chown -R 10001:10001 ([^&]+)", script).group(1).split()) == {
        f"/pki/{w}" for w in (*PORTS, "operator")}
    assert job["cap_drop"] == ["ALL"] and set(job["cap_add"]) <= {"CHOWN", "DAC_OVERRIDE", "FOWNER"}
    assert job["restart"] == "no"


def test_the_cli_uses_the_operator_certificate_and_listeners(compose: dict[str, Any]) -> None:
    cli = compose["services"]["cli"]
    env = cli["environment"]
    assert cli["profiles"] == ["cli"] and cli["entrypoint"] == ["authgate"]
    assert {env[k] for k in ("AUTHGATE_CA", "AUTHGATE_CERT", "AUTHGATE_KEY")} == {
        f"{TLS_DIR}/ca.crt", f"{TLS_DIR}/tls.crt", f"{TLS_DIR}/tls.key"}
    operator_ports = {"identity": 50151, "session": 50152, "authorization": 50153, "token": 50154}
    for svc, port in operator_ports.items():
        assert env[f"{svc.upper()}_OPERATOR_TARGET"] == f"{svc}:{port}"


def test_gateways_mount_the_rendered_configs(compose: dict[str, Any]) -> None:
    sds_dir = load_source()["sds_dir"]["compose"]
    for name, rendered in (("gateway", "compose.yaml"), ("gateway-tls", "compose-tls.yaml")):
        mounts = compose["services"][name]["volumes"]
        src = next(m.split(":")[0] for m in mounts if m.endswith(":/etc/envoy/envoy.yaml:ro"))
        assert src == f"./gateway/rendered/{rendered}" and (REPO / src).is_file()
        # The SDS resources through which Envoy reads (and re-reads) its certificates.
        sds = next(m.split(":")[0] for m in mounts if m.endswith(f":{sds_dir}:ro"))
        assert sds == "./gateway/rendered/sds"
        config = yaml.safe_load((REPO / src).read_text())
        for path in re.findall(rf"{sds_dir}/[\w.-]+", (REPO / src).read_text()):
            assert (REPO / sds / pathlib.PurePosixPath(path).name).is_file(), path
        assert config["node"]["id"]  # SDS needs one
    tls = compose["services"]["gateway-tls"]
    assert "tls-certs:/etc/envoy/tls:ro" in tls["volumes"]
    assert "8443:8443" in tls["ports"]
    assert compose["services"]["tls-cert"]["profiles"] == ["tls"] == tls["profiles"]
    script = compose["services"]["tls-cert"]["volumes"][0].split(":")[0]
    assert (REPO / script).is_file()


def test_secrets_come_from_the_environment(compose: dict[str, Any]) -> None:
    text = COMPOSE.read_text()
    services = compose["services"]
    assert services["token"]["environment"]["ENVIRONMENT"] == "production"
    # `${VAR:?…}`: compose refuses to start without it; no value is written here.
    for line in text.splitlines():
        found = re.match(r"\s*(\w*(SECRET_KEY|PASSWORD|ENCRYPTION_KEYS))\s*:\s*(.*)", line)
        if found:
            assert found.group(3).startswith("${"), line
    assert re.fullmatch(r"\$\{POSTGRES_PASSWORD:\?[^}]+\}",
                        services["postgres"]["environment"]["POSTGRES_PASSWORD"])


def test_each_service_has_its_own_secret_key_and_database_role(compose: dict[str, Any]) -> None:
    services = compose["services"]
    keys, urls = {}, {}
    for svc in PORTS:
        env = services[svc]["environment"]
        keys[svc] = env["SECRET_KEY"]
        assert re.fullmatch(rf"\$\{{{svc.upper()}_SECRET_KEY:\?[^}}]+\}}", env["SECRET_KEY"])
        urls[svc] = env["DATABASE_URL"]
        assert urls[svc] == (f"postgresql://authgate_{svc}:${{{svc.upper()}_DB_PASSWORD:?set "
                             f"{svc.upper()}_DB_PASSWORD}}@postgres:5432/authgate")
        # The running service never holds the privileged URL; its migration does.
        assert "DATABASE_ADMIN_URL" not in env
        migrate = services[f"{svc}-migrate"]["environment"]
        assert {k: v for k, v in migrate.items() if k != "DATABASE_ADMIN_URL"} == env, svc
        assert migrate["DATABASE_ADMIN_URL"].startswith("postgresql://authgate:${POSTGRES_PASSWORD:?")
        # The signing keys' encryption keys: the token service only.
        assert ("SIGNING_KEY_ENCRYPTION_KEYS" in env) is (svc == "token")
    assert len(set(keys.values())) == len(PORTS) and len(set(urls.values())) == len(PORTS)
    assert all("POSTGRES_PASSWORD" not in url for url in urls.values())


def test_generate_env_writes_every_secret_compose_asks_for(tmp_path: pathlib.Path) -> None:
    required = set(re.findall(r"\$\{(\w+):\?", COMPOSE.read_text()))
    env = tmp_path / ".env"
    env.write_text("LOG_LEVEL=DEBUG\nIDENTITY_SECRET_KEY=kept-as-it-is\n")
    first = subprocess.run([sys.executable, str(GENERATE_ENV), str(env)],
                           capture_output=True, text=True, timeout=30, check=True)
    values = dict(line.split("=", 1) for line in env.read_text().splitlines())
    assert required <= set(values), required - set(values)
    assert values["IDENTITY_SECRET_KEY"] == "kept-as-it-is" and values["LOG_LEVEL"] == "DEBUG"
    assert len({values[k] for k in required}) == len(required)  # every secret its own
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    assert not any(values[k] in first.stdout for k in required)  # names only, never values
    again = subprocess.run([sys.executable, str(GENERATE_ENV), str(env)],
                           capture_output=True, text=True, timeout=30, check=True)
    assert "wrote nothing" in again.stdout
    assert dict(line.split("=", 1) for line in env.read_text().splitlines()) == values


def test_service_containers_are_locked_down(compose: dict[str, Any]) -> None:
    for svc in (*PORTS, *(f"{s}-migrate" for s in PORTS), "cli"):
        spec = compose["services"][svc]
        assert spec["read_only"] is True and spec["tmpfs"] == ["/tmp"]  # noqa: S108 - the mount, not a file
        assert spec["cap_drop"] == ["ALL"]
        assert "no-new-privileges:true" in spec["security_opt"]
        if svc != "cli":
            assert spec["environment"]["IDENTITY_GRPC_TARGET"] == "identity:50051"
