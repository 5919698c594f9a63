"""The declarative configuration's deployment: the kustomize component config-apply (the
ConfigMap `authgate-config` and the Job running `authgate apply -f` as the operator) renders
into a valid overlay, and every committed example is a valid configuration file."""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
from typing import Any

import pytest
import yaml
from authgate_cli.apply.document import load, parse

REPO = pathlib.Path(__file__).resolve().parents[2]
COMPONENT = REPO / "k8s" / "components" / "config-apply"
VALIDATE = pathlib.Path(sys.executable).parent / "kubernetes-validate"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """The dev overlay with the component added, as an operator's overlay would add it."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed")
    folder = tmp_path_factory.mktemp("overlay")
    relative = {name: os.path.relpath(path, folder) for name, path in
                (("dev", REPO / "k8s" / "overlays" / "dev"), ("component", COMPONENT))}
    (folder / "kustomization.yaml").write_text(yaml.safe_dump({
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
        "namespace": "authgate", "resources": [relative["dev"]], "components": [relative["component"]]}))
    proc = subprocess.run([kubectl, "kustomize", str(folder)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return [d for d in yaml.safe_load_all(proc.stdout) if d]


def _named(objs: list[dict[str, Any]], kind: str, prefix: str) -> dict[str, Any]:
    (found,) = [o for o in objs if o["kind"] == kind and o["metadata"]["name"].startswith(prefix)]
    return found


def test_the_component_is_valid_kubernetes(rendered, tmp_path):
    ours = [o for o in rendered if o["metadata"]["name"].startswith("authgate-config")]
    path = tmp_path / "config-apply.yaml"
    path.write_text(yaml.safe_dump_all(ours, sort_keys=False))
    proc = subprocess.run([str(VALIDATE), "--strict", "-k", "1.32.0", str(path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert all(o["metadata"]["namespace"] == "authgate" for o in ours) and len(ours) == 2


def test_the_job_applies_the_configmap_as_the_operator(rendered):
    config = _named(rendered, "ConfigMap", "authgate-config-")
    job = _named(rendered, "Job", "authgate-config-apply")
    pod = job["spec"]["template"]
    (container,) = pod["spec"]["containers"]
    assert pod["metadata"]["labels"]["authgate.io/operator"] == "true"  # NetworkPolicy `operators`
    assert container["command"] == ["authgate"]
    assert container["args"] == ["apply", "-f", "/etc/authgate/config/authgate.yaml"]
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    mounts = {m["mountPath"]: volumes[m["name"]] for m in container["volumeMounts"]}
    assert mounts["/etc/authgate/config"]["configMap"]["name"] == config["metadata"]["name"]
    assert mounts["/etc/authgate/operator"]["secret"]["secretName"] == "authgate-operator-tls"
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["AUTHGATE_CERT"] == "/etc/authgate/operator/tls.crt"
    assert env["AUTHORIZATION_OPERATOR_TARGET"].endswith(":50153")
    assert container["envFrom"] == [{"secretRef": {"name": "authgate-config-secrets", "optional": True}}]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    parse(yaml.safe_load(config["data"]["authgate.yaml"]), "the ConfigMap's authgate.yaml")


EXAMPLES = ["deploy/authgate.example.yaml", "k8s/components/config-apply/authgate.yaml"]


@pytest.mark.parametrize("path", EXAMPLES)
def test_examples_are_valid_configurations(path):
    config = load(str(REPO / path))
    assert config.sections


def test_compose_applies_the_mounted_file_as_the_operator():
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    job = compose["services"]["config-apply"]
    assert job["profiles"] == ["config"] and job["restart"] == "no"
    assert job["entrypoint"] == ["authgate", "apply", "-f", "/etc/authgate/authgate.yaml"]
    assert "./authgate.yaml:/etc/authgate/authgate.yaml:ro" in job["volumes"]
    assert job["environment"] == compose["services"]["cli"]["environment"]
    assert job["env_file"] == [{"path": "./authgate.secrets.env", "required": False}]
