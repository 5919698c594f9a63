"""`make up`'s secrets: made on the first start in VAR_DIR/secrets (owner-only), the same on
the next, one SECRET_KEY per service, and each handed to its own service alone."""

from __future__ import annotations

import pathlib
import stat
import subprocess

import pytest
from authgate_common.settings import OLD_PUBLIC_SECRET
from authgate_devstack.__main__ import _own_secrets, _stack
from authgate_devstack.gateway import SERVICES
from authgate_devstack.ports import Ports
from authgate_devstack.secrets_store import SecretStore, service_secrets
from authgate_devstack.stack import Stack
from cryptography.fernet import Fernet
from sqlalchemy.engine import make_url

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/authgate_dev"


def test_the_first_start_makes_owner_only_files_and_the_next_reuses_them(tmp_path: pathlib.Path) -> None:
    folder = tmp_path / "secrets"
    first = service_secrets(folder, SERVICES)
    assert sorted(first.created) == sorted([f"{s}.SECRET_KEY" for s in SERVICES]
                                           + ["token.SIGNING_KEY_ENCRYPTION_KEYS"])
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = service_secrets(folder, SERVICES)
    assert again.created == [] and again.env == first.env


def test_each_service_has_its_own_secret_key_and_only_token_an_encryption_key(tmp_path: pathlib.Path) -> None:
    own = service_secrets(tmp_path, SERVICES).env
    keys = [own[s]["SECRET_KEY"] for s in SERVICES]
    assert len(set(keys)) == 4 and all(len(k) >= 32 for k in keys)
    Fernet(own["token"]["SIGNING_KEY_ENCRYPTION_KEYS"])
    assert [s for s in SERVICES if "SIGNING_KEY_ENCRYPTION_KEYS" in own[s]] == ["token"]


def test_with_a_database_each_service_gets_its_own_role_in_it(tmp_path: pathlib.Path) -> None:
    own = service_secrets(tmp_path, SERVICES, database_url=ADMIN_URL).env
    urls = {s: make_url(own[s]["DATABASE_URL"]) for s in SERVICES}
    assert {u.username for u in urls.values()} == {f"authgate_dev_{s}" for s in SERVICES}
    assert len({u.password for u in urls.values()}) == 4
    assert {(u.host, u.port, u.database) for u in urls.values()} == {("127.0.0.1", 5432, "authgate_dev")}
    assert (tmp_path / "token.DATABASE_PASSWORD").read_text().strip() == urls["token"].password


def test_no_service_is_given_another_s_secret_nor_the_admin_url(tmp_path: pathlib.Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "exported-by-the-user-" + "x" * 32)
    own = service_secrets(tmp_path / "secrets", SERVICES, database_url=ADMIN_URL).env
    stack = Stack(ports=Ports.free({"token": 2}), env={}, workdir=tmp_path, with_example=False,
                  service_secrets=own, database_admin_url=ADMIN_URL)
    for svc in SERVICES:
        others = {v for s in SERVICES if s != svc for v in own[s].values()}
        for replica in range(len(stack.ports.http[svc])):
            env = stack.service_env(svc, replica)
            assert {k: env[k] for k in own[svc]} == own[svc]
            assert not others & set(env.values()), svc
            assert ADMIN_URL not in env.values() and "DATABASE_ADMIN_URL" not in env
    shared = stack.service_env()  # the example API's
    assert not {v for s in SERVICES for v in own[s].values()} & set(shared.values())
    assert "SECRET_KEY" not in shared


def test_only_migrate_is_given_the_admin_url(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    own = service_secrets(tmp_path / "secrets", SERVICES, database_url=ADMIN_URL).env
    stack = Stack(ports=Ports.free(), env={}, workdir=tmp_path, with_example=False,
                  service_secrets=own, database_admin_url=ADMIN_URL)
    seen: dict[str, dict[str, str]] = {}

    class Done:
        def __init__(self, cmd: list[str], env: dict[str, str], **_: object) -> None:
            seen[cmd[2]] = env

        def wait(self) -> int:
            return 0

    monkeypatch.setattr(subprocess, "Popen", Done)
    stack.migrate()
    for svc in SERVICES:
        env = seen[f"{svc}_service"]
        assert env["DATABASE_ADMIN_URL"] == ADMIN_URL
        assert env["DATABASE_URL"] == own[svc]["DATABASE_URL"]


def test_a_secret_key_set_by_the_user_is_honoured_unless_it_is_the_old_constant(
        tmp_path: pathlib.Path) -> None:
    mine = "mine-" + "y" * 40
    own = service_secrets(tmp_path, SERVICES, secret_key=mine).env
    assert {own[s]["SECRET_KEY"] for s in SERVICES} == {mine}
    with pytest.raises(SystemExit, match="old public development constant"):
        service_secrets(tmp_path, SERVICES, secret_key=OLD_PUBLIC_SECRET)


def test_a_value_already_written_wins_over_a_new_one(tmp_path: pathlib.Path) -> None:
    first, second = SecretStore(tmp_path), SecretStore(tmp_path)
    assert first.get("token.SECRET_KEY", lambda: "first") == "first"
    assert second.get("token.SECRET_KEY", lambda: "second") == "first"
    second._create(tmp_path / "token.SECRET_KEY", "late")  # a start that lost the race
    assert (tmp_path / "token.SECRET_KEY").read_text() == "first\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["token.SECRET_KEY"]


def test_make_up_says_when_it_made_the_secrets(tmp_path: pathlib.Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    values = {"VAR_DIR": str(tmp_path / "var")}
    _own_secrets(values, _stack(values))
    assert "generated per-service secrets in" in capsys.readouterr().out
    stack = _stack(values)
    _own_secrets(values, stack)
    assert "generated" not in capsys.readouterr().out
    assert stack.service_secrets["token"]["SECRET_KEY"] != stack.service_secrets["session"]["SECRET_KEY"]
    assert "DATABASE_URL" not in stack.env and stack.database_admin_url is None
