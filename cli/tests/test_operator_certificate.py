"""The CLI reaches the operator listeners with the operator certificate only: where it finds
the certificate, and what the operator reads when it is missing, foreign, expired or not
an operator's (exit 2 each, no traceback)."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
from authgate_common import pki
from cli_listeners import use_certificate


@pytest.fixture(scope="module")
def foreign_pki(tmp_path_factory):
    """Another CA with its own operator certificate: the services do not trust it."""
    root = tmp_path_factory.mktemp("foreign-pki")
    pki.ensure_dev_pki(root, ["operator"])
    return root


def test_a_certificate_of_another_workload_is_refused_by_name(services, run, pki_root, monkeypatch):
    use_certificate(monkeypatch, pki_root / "validator")
    result = run("user", "list")
    assert result.code == 2 and "Traceback" not in result.err
    assert result.err.startswith(
        f"authgate: access_denied: the identity service at {services.identity_target}"
    )
    assert "validator may not call /authgate.identity.v1.IdentityService/ListUsers" in result.err
    assert "workload `operator`" in result.err and "authgate pki issue --workload operator" in result.err


def test_the_refusal_is_json_with_json(services, run, pki_root, monkeypatch):
    use_certificate(monkeypatch, pki_root / "gateway")
    result = run("client", "list", "--json")
    assert result.code == 2 and result.out == ""
    error = json.loads(result.err)
    assert error["error"] == "access_denied" and "is for gateway" in error["error_description"]


def test_an_internal_listener_address_is_named_as_the_mistake(run, internal_identity):
    result = run("user", "list", "--identity-target", internal_identity)
    assert result.code == 2
    assert "access_denied" in result.err and "on the internal listener" in result.err
    assert "IDENTITY_OPERATOR_TARGET" in result.err and "127.0.0.1:50151" in result.err


def test_a_certificate_from_another_ca_cannot_reach_the_service(services, run, foreign_pki, monkeypatch):
    use_certificate(monkeypatch, foreign_pki / "operator")
    result = run("user", "list")
    assert result.code == 2 and "Traceback" not in result.err
    assert f"cannot reach the identity service at {services.identity_target}" in result.err
    assert "TLS handshake failed" in result.err and str(foreign_pki / "operator" / "tls.crt") in result.err
    assert services.identity.users == {}


def test_a_leaf_of_another_ca_beside_the_right_ca_is_diagnosed(services, run, pki_root, foreign_pki):
    result = run(
        "user",
        "list",
        "--cert",
        str(foreign_pki / "operator" / "tls.crt"),
        "--key",
        str(foreign_pki / "operator" / "tls.key"),
    )
    assert result.code == 2
    assert f"is not issued by {pki_root / 'operator' / 'ca.crt'}" in result.err


def test_an_expired_certificate_says_so(services, run, pki_root, tmp_path, monkeypatch):
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=10)
    pki.Authority.load(pki_root / "ca").write_leaf(tmp_path / "old", "operator", days=1, not_before=long_ago)
    use_certificate(monkeypatch, tmp_path / "old")
    result = run("user", "list")
    assert result.code == 2
    assert "cannot reach the identity service" in result.err
    assert f"the operator certificate {tmp_path / 'old' / 'tls.crt'} expired on" in result.err


@pytest.mark.parametrize("missing, flag", [("tls.crt", "--cert"), ("tls.key", "--key"), ("ca.crt", "--ca")])
def test_a_missing_file_is_named_with_how_to_get_one(
    services, run, pki_root, tmp_path, monkeypatch, missing, flag
):
    shutil.copytree(pki_root / "operator", tmp_path / "op")
    (tmp_path / "op" / missing).unlink()
    use_certificate(monkeypatch, tmp_path / "op")
    result = run("user", "list")
    assert result.code == 2 and "Traceback" not in result.err
    assert result.err.startswith("authgate: invalid_configuration: no operator")
    assert f"{tmp_path / 'op' / missing} does not exist ({flag} sets it)" in result.err
    assert "make up" in result.err and "authgate pki issue --workload operator" in result.err


def test_without_settings_the_certificate_is_var_pki_operator(services, run, pki_root, tmp_path, monkeypatch):
    for name in ("AUTHGATE_CA", "AUTHGATE_CERT", "AUTHGATE_KEY"):
        monkeypatch.delenv(name)
    missing = run("user", "list")
    assert missing.code == 2 and "var/pki/operator/tls.crt does not exist" in missing.err
    # Where `make up` puts it, relative to the directory the CLI runs in: no flag needed.
    shutil.copytree(pki_root / "operator", tmp_path / "var" / "pki" / "operator")
    assert run("user", "list").code == 0


def test_var_dir_moves_the_default_folder(services, run, pki_root, tmp_path, monkeypatch):
    for name in ("AUTHGATE_CA", "AUTHGATE_CERT", "AUTHGATE_KEY"):
        monkeypatch.delenv(name)
    shutil.copytree(pki_root / "operator", tmp_path / "elsewhere" / "pki" / "operator")
    (tmp_path / ".env").write_text(f"VAR_DIR={tmp_path / 'elsewhere'}\n")
    assert run("user", "list").code == 0


def test_flags_beat_the_environment(services, run, pki_root, monkeypatch):
    use_certificate(monkeypatch, pki_root / "validator")
    folder = pki_root / "operator"
    result = run(
        "user",
        "list",
        "--ca",
        str(folder / "ca.crt"),
        "--cert",
        str(folder / "tls.crt"),
        "--key",
        str(folder / "tls.key"),
    )
    assert result.code == 0, result.err


def test_the_services_internal_targets_in_a_shared_env_are_ignored(services, run, tmp_path, dead_target):
    (tmp_path / ".env").write_text(f"IDENTITY_GRPC_TARGET={dead_target}\n")
    assert run("user", "list").code == 0


def test_nothing_listening_is_not_blamed_on_the_certificate(run, dead_target):
    result = run("user", "list", "--identity-target", dead_target)
    assert result.code == 2
    assert f"cannot reach the identity service at {dead_target}: nothing listens there" in result.err
