"""`authgate client create --jwks-file … --require-nonce`: private_key_jwt and nonce-required
clients (the service checks the keys; the CLI reads the file and sends it as given)."""

from __future__ import annotations

import json

JWKS = {"keys": [{"kty": "EC", "crv": "P-256", "kid": "k1", "x": "x", "y": "y"}]}


def test_jwks_file_registers_a_private_key_jwt_client_without_secret(services, run, tmp_path):
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(JWKS))
    result = run("client", "create", "--client-id", "svc", "--grant-type", "client_credentials",
                 "--jwks-file", str(path), "--require-nonce", "--json")
    assert result.code == 0, result.err
    client = services.authorization.clients["svc"]
    assert client.token_endpoint_auth_method == "private_key_jwt"
    assert json.loads(client.jwks) == JWKS and client.require_nonce
    shown = result.json()
    assert shown["jwks_kids"] == ["k1"] and shown["require_nonce"] is True
    assert "client_secret" not in shown and "cannot be shown again" not in result.out


def test_unreadable_jwks_file_is_a_clear_refusal(services, run, tmp_path):
    result = run("client", "create", "--client-id", "svc", "--grant-type", "client_credentials",
                 "--jwks-file", str(tmp_path / "missing.json"))
    assert result.code == 1 and "Cannot read the JWKS file" in result.err
    assert "svc" not in services.authorization.clients


def test_jwks_file_with_a_secret_is_refused(services, run, tmp_path):
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(JWKS))
    result = run("client", "create", "--client-id", "svc", "--jwks-file", str(path),
                 "--client-secret", "s" * 40, "--redirect-uri", "https://app/cb")
    assert result.code == 1 and "no secret" in result.err
