"""The signing keys' encryption at rest (SIGNING_KEY_ENCRYPTION_KEYS, docs/secrets.md):
rotated without losing a key, `rewrap` moves every key to the newest, and no other
secret opens them."""

from __future__ import annotations

import os
import pathlib
import secrets
import subprocess
import sys
from collections.abc import Iterator

import pytest
from authgate_common.testing import postgres_database
from cryptography.fernet import Fernet
from pydantic import ValidationError
from token_service.adapters.key_repository import UnreadableSigningKey
from token_service.bootstrap import engine_for, load_keys, migrate, rewrap_signing_keys
from token_service.settings import Settings

A, B = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    with postgres_database("tokenkek") as url:
        yield url


@pytest.fixture
def settings(database_url: str) -> Iterator[Settings]:
    """Keys made under A on an empty `token` schema."""
    first = Settings(_env_file=None, GRPC_INSECURE_PLAINTEXT=True,  # type: ignore[call-arg]
                     DATABASE_URL=database_url, SECRET_KEY=secrets.token_urlsafe(32),
                     SIGNING_KEY_ENCRYPTION_KEYS=A)
    migrate(first)
    kids = _kids(first)
    assert len(kids) == 2  # current and next
    yield first
    engine = engine_for(first)
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM token.signing_keys")
    engine.dispose()


def _with(settings: Settings, **changes: str) -> Settings:
    return settings.model_copy(update=changes)


def _kids(settings: Settings) -> list[str]:
    engine = engine_for(settings)
    try:
        keys = load_keys(settings, engine)
        return sorted(k["kid"] for k in keys.jwks()["keys"])
    finally:
        engine.dispose()


def test_keys_made_under_a_are_read_once_b_is_put_in_front(settings: Settings) -> None:
    before = _kids(settings)
    assert _kids(_with(settings, SIGNING_KEY_ENCRYPTION_KEYS=f"{B}, {A}")) == before


def test_after_rewrap_b_alone_reads_every_key_and_a_alone_none(settings: Settings) -> None:
    before = _kids(settings)
    rotated = _with(settings, SIGNING_KEY_ENCRYPTION_KEYS=f"{B},{A}")
    assert rewrap_signing_keys(rotated) == 2
    assert _kids(_with(settings, SIGNING_KEY_ENCRYPTION_KEYS=B)) == before
    with pytest.raises(UnreadableSigningKey, match="SIGNING_KEY_ENCRYPTION_KEYS"):
        _kids(settings)


def test_the_key_derived_from_secret_key_still_reads_what_it_encrypted(database_url: str) -> None:
    """An install from before SIGNING_KEY_ENCRYPTION_KEYS: its keys stay readable once a list
    is set, and `rewrap` moves them to the list's first key."""
    with postgres_database("tokenkekold") as url:
        old = Settings(_env_file=None, GRPC_INSECURE_PLAINTEXT=True,  # type: ignore[call-arg]
                       DATABASE_URL=url, SECRET_KEY=secrets.token_urlsafe(32))
        migrate(old)
        before = _kids(old)
        listed = _with(old, SIGNING_KEY_ENCRYPTION_KEYS=B)
        assert _kids(listed) == before
        assert rewrap_signing_keys(listed) == 2
        other_secret = _with(listed, SECRET_KEY=secrets.token_urlsafe(32))
        assert _kids(other_secret) == before  # B alone opens them now


@pytest.mark.parametrize("changes", [
    {"SECRET_KEY": secrets.token_urlsafe(32), "SIGNING_KEY_ENCRYPTION_KEYS": ""},  # another service's
    {"SIGNING_KEY_ENCRYPTION_KEYS": B},  # a wrong key
])
def test_no_other_secret_opens_the_keys(settings: Settings, changes: dict[str, str]) -> None:
    with pytest.raises(UnreadableSigningKey, match="cannot decrypt signing key"):
        _kids(_with(settings, **changes))


def _embedded_keys_under_a(tmp_path: pathlib.Path) -> Settings:
    """Keys made under A in the embedded (SQLite) store of `tmp_path`."""
    kept = Settings(_env_file=None, GRPC_INSECURE_PLAINTEXT=True,  # type: ignore[call-arg]
                    VAR_DIR=str(tmp_path), SECRET_KEY=secrets.token_urlsafe(32),
                    SIGNING_KEY_ENCRYPTION_KEYS=A)
    migrate(kept)
    _kids(kept)
    return kept


def _token_service(tmp_path: pathlib.Path, command: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m token_service <command>` on the embedded store of `tmp_path`, with `env`."""
    run_env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))}
    run_env.update(VAR_DIR=str(tmp_path), **env)
    return subprocess.run([sys.executable, "-m", "token_service", command], env=run_env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)


def test_a_wrong_key_stops_serve_and_rewrap_with_the_reason_not_a_traceback(tmp_path: pathlib.Path) -> None:
    _embedded_keys_under_a(tmp_path)
    for command in ("serve", "rewrap"):
        proc = _token_service(tmp_path, command, SECRET_KEY=secrets.token_urlsafe(32),
                              SIGNING_KEY_ENCRYPTION_KEYS=B)
        assert proc.returncode == 1, proc.stderr
        assert "refusing to start: cannot decrypt signing key" in proc.stderr
        assert "Traceback" not in proc.stderr and B not in proc.stderr


def test_rewrap_reports_how_many_keys_it_re_encrypted(tmp_path: pathlib.Path) -> None:
    kept = _embedded_keys_under_a(tmp_path)
    proc = _token_service(tmp_path, "rewrap", SECRET_KEY=kept.SECRET_KEY,
                          SIGNING_KEY_ENCRYPTION_KEYS=f"{B},{A}")
    assert proc.returncode == 0, proc.stderr
    assert "re-encrypted 2 signing keys" in proc.stdout + proc.stderr
    assert _kids(_with(kept, SIGNING_KEY_ENCRYPTION_KEYS=B))


def test_an_entry_that_is_no_fernet_key_is_refused_by_position_not_value() -> None:
    with pytest.raises(ValidationError, match="entry 2 is not a Fernet key") as caught:
        Settings(_env_file=None, GRPC_INSECURE_PLAINTEXT=True, SECRET_KEY=secrets.token_urlsafe(32),  # type: ignore[call-arg]
                 SIGNING_KEY_ENCRYPTION_KEYS=f"{A},not-a-key-at-all")
    assert "not-a-key-at-all" not in str(caught.value.errors()[0]["msg"])
