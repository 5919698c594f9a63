"""SECRET_KEY has no usable default: a service refuses to start without one, or with the old
public development constant, and says why without echoing any setting."""

from __future__ import annotations

import os
import pathlib
import secrets
import subprocess
import sys

import pytest
from authgate_common.settings import OLD_PUBLIC_SECRET, BaseServiceSettings, load_settings
from pydantic import ValidationError

MISSING = "SECRET_KEY is not set"
OLD = "SECRET_KEY is the old public development constant"


@pytest.mark.parametrize(("value", "reason"), [
    ("", MISSING),
    (OLD_PUBLIC_SECRET, OLD),
    ("k" * 31, "at least 32 characters"),
])
@pytest.mark.parametrize("environment", ["development", "production"])
def test_a_missing_public_or_short_secret_key_is_refused(value: str, reason: str, environment: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        BaseServiceSettings(_env_file=None, SECRET_KEY=value, ENVIRONMENT=environment)  # type: ignore[call-arg]


def test_the_old_constant_is_refused_with_where_make_up_puts_a_random_one() -> None:
    with pytest.raises(ValidationError, match=r"`make up` generates a random one in var/secrets/"):
        BaseServiceSettings(_env_file=None, SECRET_KEY=OLD_PUBLIC_SECRET)  # type: ignore[call-arg]


def test_a_random_secret_key_is_taken() -> None:
    value = secrets.token_urlsafe(32)
    assert BaseServiceSettings(_env_file=None, SECRET_KEY=value).SECRET_KEY == value  # type: ignore[call-arg]


def test_load_settings_ends_with_the_reason_and_echoes_no_setting(monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: pathlib.Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("SECRET_KEY", OLD_PUBLIC_SECRET)
    monkeypatch.setenv("REDIS_URL", "redis://:hunter2@redis:6379/0")
    with pytest.raises(SystemExit) as stopped:
        load_settings(BaseServiceSettings)
    assert OLD in str(stopped.value.code)
    assert "hunter2" not in str(stopped.value.code)


@pytest.mark.parametrize("service", ["identity", "session", "authorization", "token"])
def test_each_service_refuses_to_start_without_a_secret_key(service: str, tmp_path: pathlib.Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "SECRET_KEY"))}
    env["VAR_DIR"] = str(tmp_path)
    proc = subprocess.run([sys.executable, "-m", f"{service}_service", "serve"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert f"{service}: refusing to start: {MISSING}" in proc.stderr
    assert "Traceback" not in proc.stderr
