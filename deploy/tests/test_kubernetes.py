"""Both kustomize overlays render, every object is valid Kubernetes (pinned API version,
strict schemas), and every Deployment is probed, bounded, locked down, autoscaled,
disruption-budgeted and fenced by a NetworkPolicy."""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys
from typing import Any

import pytest
import yaml
from authgate_devstack.gateway import load_source, rendered_text

KUBERNETES_VERSION = "1.32.0"
VALIDATE = pathlib.Path(sys.executable).parent / "kubernetes-validate"
PORTS = {"identity": (8101, 50051), "session": (8102, 50052),
         "authorization": (8103, 50053), "token": (8104, 50054)}
Objects = list[dict[str, Any]]


def of_kind(objs: Objects, kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objs if o["kind"] == kind}


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    match = selector.get("matchLabels", {})
    return bool(match) and all(labels.get(k) == v for k, v in match.items())


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_every_object_is_valid_kubernetes(overlay: str, rendered: dict[str, str],
                                          objects: dict[str, Objects], tmp_path: pathlib.Path) -> None:
    path = tmp_path / f"{overlay}.yaml"
    path.write_text(rendered[overlay])
    proc = subprocess.run([str(VALIDATE), "--strict", "-k", KUBERNETES_VERSION, str(path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count(" passed for resource ") == len(objects[overlay])
    assert all(o["metadata"].get("namespace") == "authgate"
               for o in objects[overlay] if o["kind"] != "Namespace")


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_every_deployment_is_production_shaped(overlay: str, objects: dict[str, Objects]) -> None:
    objs = objects[overlay]
    deployments = of_kind(objs, "Deployment")
    assert set(deployments) == {*PORTS, "gateway"}
    hpas, pdbs = of_kind(objs, "HorizontalPodAutoscaler"), of_kind(objs, "PodDisruptionBudget")
    policies = of_kind(objs, "NetworkPolicy").values()
    accounts = of_kind(objs, "ServiceAccount")
    for name, dep in deployments.items():
        pod = dep["spec"]["template"]
        labels, spec = pod["metadata"]["labels"], pod["spec"]
        assert "replicas" not in dep["spec"], f"{name}: the HPA owns replicas"
        assert any(h["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                                   "name": name} for h in hpas.values()), name
        assert any(selects(p["spec"]["selector"], labels) for p in pdbs.values()), name
        assert any(selects(p["spec"]["podSelector"], labels) for p in policies), name
        assert spec["serviceAccountName"] in accounts and spec["automountServiceAccountToken"] is False
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] != 0
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert spec["topologySpreadConstraints"]
        tmp = next(m for c in spec["containers"] for m in c["volumeMounts"]
                   if m["mountPath"] == "/tmp")  # noqa: S108 - the mount, not a file
        assert "emptyDir" in next(v for v in spec["volumes"] if v["name"] == tmp["name"])
        for c in spec["containers"]:
            assert c["readinessProbe"] and c["livenessProbe"], name
            assert {"cpu", "memory"} <= set(c["resources"]["limits"]), name
            assert {"cpu", "memory"} <= set(c["resources"]["requests"]), name
            sc = c["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
            assert sc["capabilities"] == {"drop": ["ALL"]}


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_services_are_probed_over_grpc_health_and_http(overlay: str, objects: dict[str, Objects]) -> None:
    deployments = of_kind(objects[overlay], "Deployment")
    for svc, (http_port, grpc_port) in PORTS.items():
        (c,) = deployments[svc]["spec"]["template"]["spec"]["containers"]
        ports = {p["name"]: p["containerPort"] for p in c["ports"]}
        metrics_port = {"identity": 9101, "session": 9102, "authorization": 9103, "token": 9104}[svc]
        assert ports == {"http": http_port, "grpc": grpc_port, "metrics": metrics_port}
        annotations = deployments[svc]["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/port"] == str(metrics_port)
        assert c["readinessProbe"]["grpc"] == {"port": grpc_port}
        assert c["livenessProbe"]["grpc"] == {"port": grpc_port}
        assert c["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert c["args"] == ["serve"]
        assert c["lifecycle"]["preStop"]["sleep"]["seconds"] > 0  # drain before SIGTERM


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_each_service_has_a_migration_job(overlay: str, objects: dict[str, Objects]) -> None:
    jobs = of_kind(objects[overlay], "Job")
    deployments = of_kind(objects[overlay], "Deployment")
    for svc in PORTS:
        (c,) = jobs[f"{svc}-migrate"]["spec"]["template"]["spec"]["containers"]
        (served,) = deployments[svc]["spec"]["template"]["spec"]["containers"]
        assert c["args"] == ["migrate"] and c["image"] == served["image"]
        assert c["env"] == [e for e in served["env"] if e["name"] != "REDIS_URL"]
        assert c["securityContext"]["readOnlyRootFilesystem"] is True


def _env(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in container.get("env", [])}


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_no_secret_value_is_in_the_repository(overlay: str, objects: dict[str, Objects]) -> None:
    objs = objects[overlay]
    assert not of_kind(objs, "Secret"), "Secrets are created by the operator, not committed"
    for workload in (*of_kind(objs, "Deployment").values(), *of_kind(objs, "Job").values(),
                     *of_kind(objs, "StatefulSet").values()):
        for c in workload["spec"]["template"]["spec"]["containers"]:
            for name, entry in _env(c).items():
                if re.search(r"SECRET|PASSWORD", name):
                    assert entry["valueFrom"]["secretKeyRef"]["name"] == "authgate-secrets", name
    for cm in of_kind(objs, "ConfigMap").values():
        assert not {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"} & set(cm["data"])


def test_dev_runs_its_own_stores_and_prod_uses_managed_ones(objects: dict[str, Objects]) -> None:
    assert set(of_kind(objects["dev"], "StatefulSet")) == {"postgres", "redis"}
    assert not of_kind(objects["prod"], "StatefulSet")
    for svc in PORTS:
        dev = _env(of_kind(objects["dev"], "Deployment")[svc]["spec"]["template"]["spec"]["containers"][0])
        assert dev["DATABASE_URL"]["value"] == (
            "postgresql://authgate:$(POSTGRES_PASSWORD)@postgres:5432/authgate")
        assert dev["REDIS_URL"]["value"] == "redis://redis:6379/0"
        prod = _env(of_kind(objects["prod"], "Deployment")[svc]["spec"]["template"]["spec"]["containers"][0])
        for key in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY"):
            assert prod[key]["valueFrom"]["secretKeyRef"] == {"name": "authgate-secrets", "key": key}


def _settings(objs: Objects) -> dict[str, str]:
    (cm,) = [o for o in objs if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith(
        "authgate-settings")]
    return cm["data"]


def _envoy_config(objs: Objects) -> dict[str, str]:
    (cm,) = [o for o in objs if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith(
        "gateway-envoy")]
    return cm["data"]


def test_prod_serves_https_only(objects: dict[str, Objects]) -> None:
    prod = objects["prod"]
    assert _settings(prod)["SESSION_COOKIE_SECURE"] == "true"
    assert _settings(prod)["ISSUER"].startswith("https://")
    assert _settings(objects["dev"])["SESSION_COOKIE_SECURE"] == "false"
    assert _envoy_config(prod) == {"envoy.yaml": rendered_text("k8s", True)}
    assert _envoy_config(objects["dev"]) == {"envoy.yaml": rendered_text("k8s", False)}
    pod = of_kind(prod, "Deployment")["gateway"]["spec"]["template"]["spec"]
    tls_volume = next(v for v in pod["volumes"] if v["name"] == "tls")
    assert tls_volume["secret"]["secretName"] == "authgate-tls"
    mounts = {m["mountPath"]: m for m in pod["containers"][0]["volumeMounts"]}
    tls = load_source()["tls"]
    assert pathlib.PurePosixPath(tls["cert_chain"]).parent.as_posix() in mounts
    service = of_kind(prod, "Service")["gateway"]["spec"]
    assert {(p["port"], p["targetPort"]) for p in service["ports"]} == {(80, "http"), (443, "https")}
    ports = {p["name"]: p["containerPort"] for p in pod["containers"][0]["ports"]}
    assert ports["https"] == tls["listener_port"]


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_gateway_and_grpc_clients_find_every_replica(overlay: str, objects: dict[str, Objects]) -> None:
    services = of_kind(objects[overlay], "Service")
    settings = _settings(objects[overlay])
    envoy = yaml.safe_load(_envoy_config(objects[overlay])["envoy.yaml"])
    upstreams = {c["name"]: c for c in envoy["static_resources"]["clusters"]}
    for svc, (http_port, grpc_port) in PORTS.items():
        headless = services[f"{svc}-headless"]["spec"]
        assert headless["clusterIP"] == "None"
        assert {p["port"] for p in headless["ports"]} == {http_port, grpc_port}
        cluster = upstreams[f"{svc}_http"]
        assert cluster["type"] == "STRICT_DNS"
        address = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"]
        assert address["socket_address"] == {
            "address": f"{svc}-headless.authgate.svc.cluster.local", "port_value": http_port}
        assert settings[f"{svc.upper()}_GRPC_TARGET"] == (
            f"dns:///{svc}-headless.authgate.svc.cluster.local:{grpc_port}")
