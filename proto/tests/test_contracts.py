"""The gRPC contracts: buf lint passes, stubs (with .pyi) are generated and never committed."""

from __future__ import annotations

import pathlib
import shutil
import subprocess

import pytest

PROTO = pathlib.Path(__file__).resolve().parents[1]
SERVICES = ("identity", "session", "authorization", "token")


def test_each_service_has_a_versioned_contract_matching_its_folder() -> None:
    for svc in SERVICES:
        path = PROTO / "authgate" / svc / "v1" / f"{svc}.proto"
        assert f"package authgate.{svc}.v1;" in path.read_text()


def test_stubs_are_generated_with_type_stubs_and_not_committed() -> None:
    for svc in SERVICES:
        gen = PROTO / "gen" / "authgate" / svc / "v1"
        assert (gen / f"{svc}_pb2.py").exists() and (gen / f"{svc}_pb2.pyi").exists()
        assert (gen / f"{svc}_pb2_grpc.py").exists()
    tracked = subprocess.run(["git", "ls-files", "gen"], cwd=PROTO, capture_output=True, text=True)
    assert tracked.stdout.strip() == ""


@pytest.mark.skipif(shutil.which("npx") is None, reason="npx (Node.js) is not installed")
def test_buf_lint_passes() -> None:
    proc = subprocess.run(["npx", "-y", "@bufbuild/buf@1.75.0", "lint"], cwd=PROTO,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
