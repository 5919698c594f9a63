"""Each service image (parsed: no Docker engine runs here) is multi-stage, runs as a
non-root user, carries no build tools, and starts `python -m <svc>_service serve`."""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
PORTS = {"identity": (8101, 50051), "session": (8102, 50052),
         "authorization": (8103, 50053), "token": (8104, 50054)}
OPERATOR_PORTS = {"identity": 50151, "session": 50152, "authorization": 50153, "token": 50154}
BUILD_TOOLS = re.compile(r"\b(gcc|g\+\+|cc|make|build-essential|apt-get|apk|uv|pip install|"
                         r"grpcio-tools|grpc_tools|protoc)\b")


def instructions(path: pathlib.Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pending = f"{pending} {line}" if pending else line
        if pending.endswith("\\"):
            pending = pending[:-1].rstrip()
            continue
        word, _, rest = pending.partition(" ")
        out.append((word.upper(), rest.strip()))
        pending = ""
    return out


def stages(path: pathlib.Path) -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for ins in instructions(path):
        if ins[0] == "FROM":
            result.append([])
        if result:
            result[-1].append(ins)
    return result


def global_args(path: pathlib.Path) -> dict[str, str]:
    args = {}
    for word, rest in instructions(path):
        if word == "FROM":
            break
        if word == "ARG" and "=" in rest:
            key, _, value = rest.partition("=")
            args[key] = value
    return args


def base_image(stage: list[tuple[str, str]], args: dict[str, str]) -> str:
    image = stage[0][1].split()[0]
    return re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], image)


@pytest.fixture(params=sorted(PORTS))
def service(request: pytest.FixtureRequest) -> str:
    return request.param


def test_final_stage_runs_as_a_non_root_user(service: str) -> None:
    final = stages(REPO / "services" / service / "Dockerfile")[-1]
    users = [rest for word, rest in final if word == "USER"]
    assert users, "the final stage must switch to a non-root USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    assert user == "10001"


def test_final_stage_has_no_build_tools(service: str) -> None:
    path = REPO / "services" / service / "Dockerfile"
    all_stages = stages(path)
    assert len(all_stages) >= 2, "multi-stage: a builder and a slim final stage"
    final = all_stages[-1]
    for word, rest in final:
        if word == "RUN":
            assert not BUILD_TOOLS.search(rest.replace("pip uninstall", "")), rest
        if word == "COPY" and "--from=" in rest:
            assert rest.split()[-2:] == ["/app/.venv", "/app/.venv"], rest
    assert base_image(final, global_args(path)) == "python:3.11-slim"


def test_builder_uses_the_lock_and_generates_the_stubs(service: str) -> None:
    builder = stages(REPO / "services" / service / "Dockerfile")[0]
    runs = " ".join(rest for word, rest in builder if word == "RUN")
    sync = re.search(r"uv sync ([^&]*)", runs)
    assert sync, "the builder installs with uv sync"
    flags = sync.group(1).split()
    assert {"--frozen", "--no-dev", "--no-editable"} <= set(flags)
    # The final image sets PYTHONDONTWRITEBYTECODE on a read-only filesystem: without
    # compiled bytecode every start (and every migrate job) compiles every module again.
    assert "--compile-bytecode" in flags
    assert f"authgate-{service}" in flags
    assert "proto/generate.py" in runs
    assert any(word == "COPY" and "uv.lock" in rest.split() for word, rest in builder)


def test_entrypoint_ports_and_no_baked_secrets(service: str) -> None:
    path = REPO / "services" / service / "Dockerfile"
    final = stages(path)[-1]
    found = {word: rest for word, rest in final}
    assert json.loads(found["ENTRYPOINT"]) == ["python", "-m", f"{service}_service"]
    assert json.loads(found["CMD"]) == ["serve"]
    assert {int(p) for p in found["EXPOSE"].split()} == {*PORTS[service], OPERATOR_PORTS[service]}
    text = path.read_text()
    assert not re.search(r"^\s*(ENV|ARG)\b.*(SECRET_KEY|PASSWORD|DATABASE_URL)", text, re.M)
    for word, rest in final:
        if word == "COPY" and "--from" not in rest:
            assert (REPO / rest.split()[0]).exists(), rest


# uv on PATH, or the one `make install` bootstraps (the Makefile's choice, in that order).
BOOTSTRAPPED_UV = REPO / ".venv-bootstrap" / "bin" / "uv"
UV = shutil.which("uv") or (str(BOOTSTRAPPED_UV) if BOOTSTRAPPED_UV.exists() else None)


@pytest.mark.skipif(UV is None, reason="uv not installed (make install bootstraps it)")
def test_the_lock_pins_the_stub_generator_the_builder_installs() -> None:
    # The builder's exact pipeline: grpcio-tools comes from the lock's dev group, pinned.
    builder = stages(REPO / "services" / "token" / "Dockerfile")[0]
    run = next(rest for word, rest in builder if word == "RUN" and "uv export" in rest)
    export = run[run.index("uv export"):run.index(" > ")]  # the pipeline, minus its redirect
    assert UV is not None
    env = {**os.environ, "PATH": f"{pathlib.Path(UV).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", export], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    pins = dict(line.split("==", 1) for line in proc.stdout.splitlines() if "==" in line)
    assert {"grpcio-tools", "grpcio", "protobuf"} <= set(pins)
