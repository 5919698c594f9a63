"""Failures an operator sees: clean messages and exit codes, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

VENV_BIN = Path(sys.executable).parent


def test_already_exists_is_exit_1_with_the_service_message(services, create_user):
    assert create_user("alice").code == 0
    again = create_user("alice")
    assert again.code == 1
    assert again.err.strip() == "authgate: already_exists: The username or email is already taken."
    assert "Traceback" not in again.err and again.out == ""


def test_errors_are_json_on_stderr_with_json(services, create_user):
    create_user("alice")
    again = create_user("alice", "--json")
    assert again.code == 1 and again.out == ""
    assert json.loads(again.err) == {
        "error": "already_exists",
        "error_description": "The username or email is already taken.",
    }


def test_unreachable_identity_is_exit_2(run, dead_target):
    result = run("user", "list", "--identity-target", dead_target)
    assert result.code == 2
    assert f"cannot reach the identity service at {dead_target}" in result.err
    assert "Traceback" not in result.err


def test_unreachable_authorization_names_its_target(run, dead_target, monkeypatch):
    monkeypatch.setenv("AUTHORIZATION_OPERATOR_TARGET", dead_target)
    result = run("client", "list")
    assert result.code == 2
    assert f"cannot reach the authorization service at {dead_target}" in result.err


def test_slow_service_hits_the_deadline(services, run, monkeypatch):
    services.identity.delay = 1.0
    monkeypatch.setenv("GRPC_CLIENT_TIMEOUT_SECONDS", "0.2")
    result = run("user", "list")
    assert result.code == 2
    assert "did not answer within 0.2 s" in result.err


def test_invalid_configuration_is_reported_cleanly(run, monkeypatch):
    monkeypatch.setenv("GRPC_CLIENT_TIMEOUT_SECONDS", "soon")
    result = run("user", "list")
    assert result.code == 2 and "invalid_configuration" in result.err


def test_flag_beats_environment_which_beats_dotenv(services, run, dead_target, monkeypatch, tmp_path):
    monkeypatch.delenv("IDENTITY_OPERATOR_TARGET")
    (tmp_path / ".env").write_text(f"IDENTITY_OPERATOR_TARGET={services.identity_target}\n")
    assert run("user", "list").code == 0  # from .env
    monkeypatch.setenv("IDENTITY_OPERATOR_TARGET", dead_target)
    assert run("user", "list").code == 2  # environment wins over .env
    assert run("user", "list", "--identity-target", services.identity_target).code == 0


def test_json_flag_works_before_and_after_the_subcommand(services, run, create_user):
    create_user("alice")
    for argv in (["--json", "user", "list"], ["user", "--json", "list"], ["user", "list", "--json"]):
        result = run(*argv)
        assert result.code == 0 and result.json()[0]["username"] == "alice", argv


def test_usage_errors_and_help(run):
    assert run().code == 2
    assert run("user", "create", "--email", "x@example.com").code == 2  # --username missing
    helped = run("client", "create", "--help")
    assert helped.code == 0 and "--redirect-uri" in helped.out


def test_installed_command_end_to_end(services, tmp_path):
    script = VENV_BIN / "authgate"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "authgate_cli"]
    env = {**os.environ, "IDENTITY_OPERATOR_TARGET": services.identity_target}
    created = subprocess.run(
        [
            *command,
            "user",
            "create",
            "--username",
            "zed",
            "--email",
            "z@example.com",
            "--password-stdin",
            "--json",
        ],
        input="piped-password\n",
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["username"] == "zed"
    assert services.identity.passwords["zed"] == "piped-password"

    env["IDENTITY_OPERATOR_TARGET"] = "127.0.0.1:1"
    down = subprocess.run(
        [*command, "user", "list"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=30
    )
    assert down.returncode == 2
    assert "cannot reach the identity service at 127.0.0.1:1" in down.stderr
    assert "Traceback" not in down.stderr
