"""Signing keys at rest: encrypted, in the `token` schema, one current key (and one next
key published ahead) however many replicas start at once."""

from __future__ import annotations

import json
import secrets
import threading

import pytest
from authgate_common.testing import postgres_database
from sqlalchemy import text
from token_service.adapters.key_repository import make_cipher
from token_service.bootstrap import engine_for, load_keys, migrate
from token_service.settings import Settings


def _rows(settings: Settings) -> list[dict]:
    engine = engine_for(settings)
    try:
        with engine.connect() as conn:
            return [dict(r) for r in conn.execute(text("SELECT * FROM token.signing_keys")).mappings()]
    finally:
        engine.dispose()


def test_key_is_stored_encrypted_and_published(harness) -> None:
    rows = _rows(harness.settings)
    assert sorted(r["state"] for r in rows) == ["current", "next"]
    row = next(r for r in rows if r["state"] == "current")
    assert row["kid"] == harness.service.keys.current_kid
    assert row["alg"] == "RS256" and row["activated_at"] is not None and row["retired_at"] is None
    published = {k["kid"]: k for k in harness.service.keys.jwks()["keys"]}
    for r in rows:
        assert not any("PRIVATE KEY" in str(v) or "BEGIN" in str(v) for v in r.values())
        pem = make_cipher(harness.settings.SECRET_KEY).decrypt(r["private_key_encrypted"].encode())
        assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
        assert json.loads(r["public_jwk"]) == published[r["kid"]]


def test_another_secret_key_cannot_read_the_keys(harness) -> None:
    other = harness.settings.model_copy(update={"SECRET_KEY": secrets.token_urlsafe(32)})
    engine = engine_for(other)
    try:
        with pytest.raises(RuntimeError, match="SECRET_KEY"):
            load_keys(other, engine)
    finally:
        engine.dispose()


def test_replicas_starting_together_agree_on_one_key() -> None:
    with postgres_database("tokenrace") as url:
        settings = Settings(_env_file=None, GRPC_INSECURE_PLAINTEXT=True,  # type: ignore[call-arg]
                            DATABASE_URL=url, SECRET_KEY=secrets.token_urlsafe(32))
        migrate(settings)
        barrier, kids, errors = threading.Barrier(4), [], []

        def start() -> None:
            engine = engine_for(settings)  # each replica has its own engine
            try:
                barrier.wait()
                kids.append(load_keys(settings, engine).current_kid)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                engine.dispose()

        threads = [threading.Thread(target=start) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors
        assert len(kids) == 4 and len(set(kids)) == 1
        rows = _rows(settings)
        assert sorted(r["state"] for r in rows) == ["current", "next"]
        assert [r["kid"] for r in rows if r["state"] == "current"] == kids[:1]


def test_embedded_sqlite_default(tmp_path) -> None:
    settings = Settings(_env_file=None, GRPC_INSECURE_PLAINTEXT=True,  # type: ignore[call-arg]
                        VAR_DIR=str(tmp_path), SECRET_KEY=secrets.token_urlsafe(32))
    migrate(settings)
    engine = engine_for(settings)
    try:
        first, second = load_keys(settings, engine), load_keys(settings, engine)
    finally:
        engine.dispose()
    assert first.current_kid == second.current_kid
    assert (tmp_path / "token.db").exists()
    assert not any(b"PRIVATE KEY" in f.read_bytes() for f in tmp_path.glob("token.db*"))
