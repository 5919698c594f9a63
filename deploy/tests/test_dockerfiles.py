"""One Dockerfile builds every service image, chosen by the build argument SERVICE
(parsed: no Docker engine runs here). Each image is multi-stage, runs as a non-root user,
carries no build tools, exposes its own ports and starts `python -m <svc>_service serve`."""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import subprocess
from typing import Any

import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "deploy" / "docker" / "Dockerfile"
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


def stage_name(stage: list[tuple[str, str]]) -> str | None:
    parts = stage[0][1].split()
    return parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else None


def build_args(service: str) -> dict[str, str]:
    """The build arguments docker-compose.yml builds this service's image with."""
    build = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"][service]["build"]
    assert (REPO / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE
    return {key: str(value) for key, value in build["args"].items()}


def image(service: str) -> list[list[tuple[str, str]]]:
    """The stages the image built with SERVICE=<service> is made of, base first: the
    final stage and, through `FROM <stage>`, each stage it builds on."""
    all_stages = stages(DOCKERFILE)
    named = {stage_name(stage): stage for stage in all_stages}
    args = {**global_args(DOCKERFILE), **build_args(service)}
    chain = [all_stages[-1]]
    while (base := base_image(chain[0], args)) in named:
        chain.insert(0, named[base])
    return chain


def image_instructions(service: str) -> list[tuple[str, str]]:
    return [ins for stage in image(service) for ins in stage]


@pytest.fixture(params=sorted(PORTS))
def service(request: pytest.FixtureRequest) -> str:
    return request.param


def test_one_dockerfile_builds_every_service_and_none_other() -> None:
    assert not list(REPO.glob("services/*/Dockerfile"))
    names = {stage_name(stage) for stage in stages(DOCKERFILE)}
    assert {name for name in names if name and name.startswith("service-")} == {
        f"service-{svc}" for svc in PORTS}
    # SERVICE has no default: an image is always one service's.
    assert "SERVICE" not in global_args(DOCKERFILE)
    assert stages(DOCKERFILE)[-1][0] == ("FROM", "service-${SERVICE}")


def test_final_stage_runs_as_a_non_root_user(service: str) -> None:
    users = [rest for word, rest in image_instructions(service) if word == "USER"]
    assert users, "the final stage must switch to a non-root USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    assert user == "10001"


def test_final_stage_has_no_build_tools(service: str) -> None:
    chain = image(service)
    assert len(stages(DOCKERFILE)) >= len(chain) + 1, "multi-stage: a builder and a slim final image"
    assert stages(DOCKERFILE)[0] not in chain
    for word, rest in image_instructions(service):
        if word == "RUN":
            assert not BUILD_TOOLS.search(rest.replace("pip uninstall", "")), rest
        if word == "COPY" and "--from=" in rest:
            assert rest.split()[-2:] == ["/app/.venv", "/app/.venv"], rest
    assert base_image(chain[0], global_args(DOCKERFILE)) == "python:3.11-slim"


def run_with_stub(command: list[str], stub: str, env: dict[str, str],
                  tmp_path: pathlib.Path) -> list[str]:
    """Run `command` with the program `stub` on PATH printing the arguments it gets, one a line."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / stub).write_text('#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n')
    (bin_dir / stub).chmod(0o755)
    proc = subprocess.run(command,
                          env={**env, "PATH": f"{bin_dir}{os.pathsep}/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=30, check=True)
    return proc.stdout.splitlines()


def test_builder_uses_the_lock_and_generates_the_stubs(service: str, tmp_path: pathlib.Path) -> None:
    builder = stages(DOCKERFILE)[0]
    runs = " ".join(rest for word, rest in builder if word == "RUN")
    sync = next(rest for word, rest in builder if word == "RUN" and "uv sync" in rest)
    script = sync.removeprefix("--mount=type=cache,target=/root/.cache/uv").strip()
    args = {**global_args(DOCKERFILE), **build_args(service)}
    # The builder's SHELL, as the build runs it.
    shell = json.loads(next(rest for word, rest in builder if word == "SHELL"))
    flags = run_with_stub([*shell, script], "uv", {k: v.strip('"') for k, v in args.items()}, tmp_path)
    assert flags[0] == "sync", "the builder installs with uv sync"
    assert {"--frozen", "--no-dev", "--no-editable"} <= set(flags)
    # The final image sets PYTHONDONTWRITEBYTECODE on a read-only filesystem: without
    # compiled bytecode every start (and every migrate job) compiles every module again.
    assert "--compile-bytecode" in flags
    packages = {flags[i + 1] for i, flag in enumerate(flags) if flag == "--package"}
    # The identity image also carries the operator CLI (compose's `cli` runs it).
    assert packages == {f"authgate-{service}", *(["authgate-cli"] if service == "identity" else [])}
    assert "proto/generate.py" in runs
    assert any(word == "COPY" and "uv.lock" in rest.split() for word, rest in builder)


def test_entrypoint_ports_and_no_baked_secrets(service: str, tmp_path: pathlib.Path) -> None:
    found: dict[str, Any] = {}
    env: dict[str, str] = {}
    args = {**global_args(DOCKERFILE), **build_args(service)}
    for word, rest in image_instructions(service):
        found[word] = rest
        if word == "ENV" and "=" in rest and " " not in rest:
            key, _, value = rest.partition("=")
            env[key] = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], value)
    # What the container runs: the entrypoint, then the command (`serve` unless given one).
    entrypoint, cmd = json.loads(found["ENTRYPOINT"]), json.loads(found["CMD"])
    assert cmd == ["serve"]
    assert entrypoint[:2] == ["/bin/sh", "-c"] and entrypoint[2].startswith("exec python ")
    argv = run_with_stub([*entrypoint, *cmd], "python", env, tmp_path)
    assert argv == ["-m", f"{service}_service", "serve"]
    exposed = {int(p) for word, rest in image_instructions(service) if word == "EXPOSE" for p in rest.split()}
    assert exposed == {*PORTS[service], OPERATOR_PORTS[service]}
    text = DOCKERFILE.read_text()
    assert not re.search(r"^\s*(ENV|ARG)\b.*(SECRET_KEY|PASSWORD|DATABASE_URL)", text, re.M)
    for word, rest in image_instructions(service):
        if word == "COPY" and "--from" not in rest:
            assert (REPO / rest.split()[0]).exists(), rest


# uv on PATH, or the one `make install` bootstraps (the Makefile's choice, in that order).
BOOTSTRAPPED_UV = REPO / ".venv-bootstrap" / "bin" / "uv"
UV = shutil.which("uv") or (str(BOOTSTRAPPED_UV) if BOOTSTRAPPED_UV.exists() else None)


@pytest.mark.skipif(UV is None, reason="uv not installed (make install bootstraps it)")
def test_the_lock_pins_the_stub_generator_the_builder_installs() -> None:
    # The builder's exact pipeline: grpcio-tools comes from the lock's dev group, pinned.
    builder = stages(DOCKERFILE)[0]
    run = next(rest for word, rest in builder if word == "RUN" and "uv export" in rest)
    export = run[run.index("uv export"):run.index(" > ")]  # the pipeline, minus its redirect
    assert UV is not None
    env = {**os.environ, "PATH": f"{pathlib.Path(UV).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", export], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    pins = dict(line.split("==", 1) for line in proc.stdout.splitlines() if "==" in line)
    assert {"grpcio-tools", "grpcio", "protobuf"} <= set(pins)
