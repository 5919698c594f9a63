"""Shared fixtures: each Kubernetes overlay rendered once by `kubectl kustomize`, and a
folder updated the way the kubelet updates a mounted Secret (certificate renewal tests)."""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(pathlib.Path(__file__).parent))  # for stand_ins (tests have no package)
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


def _mount_like_the_kubelet(volume: pathlib.Path, source: pathlib.Path) -> None:
    """Show `source`'s files in `volume` as the kubelet updates a Secret volume: they go into
    a new timestamped folder, one rename points `..data` at it, and each name is a symlink
    into `..data/`; no file Envoy reads is ever half-written or changed in place."""
    volume.mkdir(exist_ok=True)
    data = volume / "..data"
    previous = data.resolve() if data.is_symlink() else None
    stamp = volume / f"..{time.strftime('%Y_%m_%d_%H_%M_%S')}.{time.monotonic_ns()}"
    shutil.copytree(source, stamp)
    (volume / "..data_tmp").symlink_to(stamp.name)
    (volume / "..data_tmp").rename(data)
    for file in stamp.iterdir():
        if not (volume / file.name).is_symlink():
            (volume / file.name).symlink_to(f"..data/{file.name}")
    if previous is not None:
        shutil.rmtree(previous)


@pytest.fixture
def mount_like_the_kubelet() -> Callable[[pathlib.Path, pathlib.Path], None]:
    """(volume, source folder): mount the first time, then update as cert-manager's renewal does."""
    return _mount_like_the_kubelet
