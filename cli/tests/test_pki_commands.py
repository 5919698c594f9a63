"""`authgate pki init|issue|k8s-secrets`: the internal plane's certificates, with no service."""

from __future__ import annotations

import base64

import pytest
import yaml
from authgate_common import pki
from cryptography import x509
from cryptography.hazmat.primitives import serialization


def _mode(path) -> int:
    return path.stat().st_mode & 0o777


def _san(cert: x509.Certificate) -> x509.SubjectAlternativeName:
    return cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value


def _issue(run, ca_dir, out, *extra, workload="operator"):
    """`authgate pki issue` of WORKLOAD's certificate from the CA in CA_DIR into OUT."""
    return run("pki", "issue", "--workload", workload, "--ca-dir", str(ca_dir), "--out", str(out), *extra)


def test_init_makes_private_folders_and_keys(run, tmp_path):
    root = tmp_path / "pki"
    result = run("pki", "init", "--dir", str(root), "--json")
    assert result.code == 0, result.err
    rows = {r["workload"]: r for r in result.json()}
    assert set(rows) == {"ca", *pki.WORKLOADS}
    assert {r["status"] for r in rows.values()} == {"created"}
    assert _mode(root) == 0o700 and _mode(root / "ca") == 0o700 and _mode(root / "ca" / "ca.key") == 0o600
    for workload in pki.WORKLOADS:
        assert _mode(root / workload) == 0o700, workload
        assert _mode(root / workload / "tls.key") == 0o600, workload


def test_init_again_keeps_the_ca_and_the_certificates(run, tmp_path):
    root = tmp_path / "pki"
    assert run("pki", "init", "--dir", str(root)).code == 0
    ca_key, ca_cert = (root / "ca" / "ca.key").read_bytes(), (root / "ca" / "ca.crt").read_bytes()
    again = run("pki", "init", "--dir", str(root))
    assert again.code == 0, again.err
    header, *rows = again.out.strip().splitlines()[:-2]
    assert header.split() == ["WORKLOAD", "STATUS", "EXPIRES", "FOLDER"]
    assert {r.split()[1] for r in rows} == {"kept"}
    assert (root / "ca" / "ca.key").read_bytes() == ca_key and (
        root / "ca" / "ca.crt"
    ).read_bytes() == ca_cert


def test_issue_makes_a_leaf_of_the_ca_named_by_its_spiffe_id(run, pki_root, tmp_path):
    out = tmp_path / "api-validator"
    extra = ("--dns-name", "api.example.internal", "--days", "30", "--json")
    result = _issue(run, pki_root / "ca", out, *extra, workload="validator")
    assert result.code == 0, result.err
    assert result.json()["spiffe_id"] == "spiffe://authgate/validator"
    assert _mode(out) == 0o700 and _mode(out / "tls.key") == 0o600
    cert = x509.load_pem_x509_certificate((out / "tls.crt").read_bytes())
    ca = x509.load_pem_x509_certificate((pki_root / "ca" / "ca.crt").read_bytes())
    cert.verify_directly_issued_by(ca)
    assert (out / "ca.crt").read_bytes() == (pki_root / "ca" / "ca.crt").read_bytes()
    san = _san(cert)
    assert san.get_values_for_type(x509.UniformResourceIdentifier) == ["spiffe://authgate/validator"]
    assert {"validator", "api.example.internal"} <= set(san.get_values_for_type(x509.DNSName))
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert 29 < lifetime.days <= 30
    key = serialization.load_pem_private_key((out / "tls.key").read_bytes(), password=None)
    assert key.public_key() == cert.public_key()


def test_an_issued_operator_certificate_reaches_the_services(services, run, pki_root, tmp_path):
    out = tmp_path / "admin"
    assert _issue(run, pki_root / "ca", out).code == 0
    result = run(
        "user",
        "list",
        "--ca",
        str(out / "ca.crt"),
        "--cert",
        str(out / "tls.crt"),
        "--key",
        str(out / "tls.key"),
    )
    assert result.code == 0, result.err


@pytest.mark.parametrize(
    "argv",
    [
        ["--workload", "billing"],  # the allow-lists know no such workload
        ["--workload", "validator", "--days", "0"],
        ["--workload", "validator", "--dns-name", "not a name"],
    ],
)
def test_issue_refuses_bad_arguments(run, pki_root, tmp_path, argv):
    result = run("pki", "issue", *argv, "--ca-dir", str(pki_root / "ca"), "--out", str(tmp_path / "x"))
    assert result.code == 2 and "usage:" in result.err
    assert not (tmp_path / "x").exists()


def test_issue_without_a_ca_says_how_to_make_one(run, tmp_path):
    result = _issue(run, tmp_path / "nope", tmp_path / "op")
    assert result.code == 2 and "Traceback" not in result.err
    assert f"no CA in {tmp_path / 'nope'}" in result.err and "authgate pki init" in result.err


def test_issue_refuses_a_leaf_outliving_the_ca(run, pki_root, tmp_path):
    result = _issue(run, pki_root / "ca", tmp_path / "op", "--days", "36500")
    assert result.code == 2 and "outlives the CA" in result.err


def test_k8s_secrets_are_tls_secrets_of_every_workload(run, tmp_path):
    root = tmp_path / "pki"
    result = run("pki", "k8s-secrets", "--dir", str(root), "--namespace", "idp")
    assert result.code == 0, result.err
    docs = list(yaml.safe_load_all(result.out))
    assert [d["metadata"]["name"] for d in docs] == [f"authgate-{w}-tls" for w in pki.WORKLOADS]
    ca_pem = (root / "ca" / "ca.crt").read_bytes()
    for doc, workload in zip(docs, pki.WORKLOADS, strict=True):
        assert doc["apiVersion"] == "v1" and doc["kind"] == "Secret" and doc["type"] == "kubernetes.io/tls"
        assert doc["metadata"]["namespace"] == "idp"
        data = {k: base64.b64decode(v) for k, v in doc["data"].items()}
        assert set(data) == {"tls.crt", "tls.key", "ca.crt"}
        cert = x509.load_pem_x509_certificate(data["tls.crt"])
        assert pki.peer_workloads(data["tls.crt"]) == [workload]
        key = serialization.load_pem_private_key(data["tls.key"], password=None)
        assert key.public_key() == cert.public_key()
        assert data["ca.crt"] == ca_pem
    ca_key = base64.b64encode((root / "ca" / "ca.key").read_bytes()).decode()
    assert ca_key not in result.out  # the CA's key stays in DIR/ca
    assert "created" in result.err  # what it made goes to stderr, so stdout stays one YAML stream


def test_k8s_secrets_for_some_workloads_reuse_the_ca(run, pki_root):
    result = run("pki", "k8s-secrets", "--dir", str(pki_root), "--workload", "token", "--workload", "gateway")
    assert result.code == 0, result.err
    docs = list(yaml.safe_load_all(result.out))
    assert [d["metadata"]["name"] for d in docs] == ["authgate-token-tls", "authgate-gateway-tls"]
    assert docs[0]["metadata"]["namespace"] == "authgate" and result.err == ""
    assert base64.b64decode(docs[0]["data"]["ca.crt"]) == (pki_root / "ca" / "ca.crt").read_bytes()
