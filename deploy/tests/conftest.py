"""Shared fixture of the Kubernetes tests: each overlay rendered once by `kubectl kustomize`."""

from __future__ import annotations

import pathlib
import shutil
import subprocess
from typing import Any

import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
OVERLAYS = ("dev", "prod")


def kustomize(overlay: str) -> str:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed")
    proc = subprocess.run([kubectl, "kustomize", str(REPO / "k8s" / "overlays" / overlay)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture(scope="session")
def rendered() -> dict[str, str]:
    """overlay -> the multi-document YAML `kubectl kustomize` prints."""
    return {overlay: kustomize(overlay) for overlay in OVERLAYS}


@pytest.fixture(scope="session")
def objects(rendered: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    return {overlay: [d for d in yaml.safe_load_all(text) if d] for overlay, text in rendered.items()}
