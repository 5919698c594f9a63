"""private_key_jwt through the gateway (RFC 7523 §2.2, §3; OIDC Core §9): a client
registered with a JWKS (`authgate client create --jwks-file`) authenticates at /token,
/introspect and /revoke with a signed assertion; a replayed, expired, wrongly addressed
or foreign-key assertion is 401 invalid_client, whichever token replica answers."""

from __future__ import annotations

import json
import pathlib
import secrets
import time
from typing import Any

import httpx
import pytest
from assertion_kit import EC_KEY, JWT_BEARER, RSA_KEY, STRANGER_KEY, TOKEN, assertion, b64, public_jwks
from flowkit import Flow


@pytest.fixture(scope="module")
def client_id(flow: Flow, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = pathlib.Path(tmp_path_factory.mktemp("jwks")) / "jwks.json"
    path.write_text(json.dumps(public_jwks()))
    cid = "pk" + secrets.token_hex(5)
    out = flow.cli("client", "create", "--client-id", cid, "--grant-type", "client_credentials",
                   "--scope", "read write", "--jwks-file", str(path))
    assert out["token_endpoint_auth_method"] == "private_key_jwt" and "client_secret" not in out
    assert out["jwks_kids"] == ["rsa-1", "ec-1"]
    return cid


def post(flow: Flow, path: str, form: dict[str, str], **kw: Any) -> httpx.Response:
    return httpx.post(f"{flow.base}{path}", data=form, timeout=30, **kw)


def cc(flow: Flow, signed: str, **extra: str) -> httpx.Response:
    return post(flow, TOKEN, {"grant_type": "client_credentials", "client_assertion_type": JWT_BEARER,
                              "client_assertion": signed, **extra})


def assert_invalid_client(resp: httpx.Response) -> None:
    assert resp.status_code == 401, resp.text
    assert resp.json()["error"] == "invalid_client" and "www-authenticate" in resp.headers
    assert "access_token" not in resp.text


def test_client_credentials_with_an_assertion_then_its_replay_is_refused(flow: Flow, client_id: str) -> None:
    signed = assertion(flow, client_id)
    resp = cc(flow, signed)
    assert resp.status_code == 200, resp.text
    assert resp.headers["cache-control"] == "no-store" and resp.json()["scope"] == "read write"
    # Replayed: refused every time, by either token replica (the jti is remembered in Redis).
    for _ in range(4):
        assert_invalid_client(cc(flow, signed))


def test_es256_with_the_issuer_as_audience_and_the_client_id_in_the_form(flow: Flow, client_id: str) -> None:
    resp = cc(flow, assertion(flow, client_id, key=EC_KEY, kid="ec-1", aud=flow.base), client_id=client_id)
    assert resp.status_code == 200, resp.text


@pytest.mark.parametrize("case", ["expired", "wrong-aud", "stranger-key", "unknown-kid", "iss-not-client"])
def test_bad_assertions_are_invalid_client(flow: Flow, client_id: str, case: str) -> None:
    now = int(time.time())
    signed = {
        "expired": lambda: assertion(flow, client_id, iat=now - 600, exp=now - 300),
        "wrong-aud": lambda: assertion(flow, client_id, aud="https://some-other-server.example/token"),
        "stranger-key": lambda: assertion(flow, client_id, key=STRANGER_KEY),
        "unknown-kid": lambda: assertion(flow, client_id, key=STRANGER_KEY, kid="stranger"),
        "iss-not-client": lambda: assertion(flow, client_id, iss="someone-else"),
    }[case]()
    assert_invalid_client(cc(flow, signed))


def test_mixing_methods_is_invalid_request(flow: Flow, client_id: str) -> None:
    resp = cc(flow, assertion(flow, client_id), client_secret="x" * 40)
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_request"
    resp = post(flow, TOKEN, {"grant_type": "client_credentials", "client_assertion_type": JWT_BEARER,
                              "client_assertion": assertion(flow, client_id)}, auth=(client_id, "x" * 40))
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_request"


def test_no_secret_fallback_for_a_private_key_jwt_client(flow: Flow, client_id: str) -> None:
    assert_invalid_client(post(flow, TOKEN, {"grant_type": "client_credentials", "client_id": client_id}))
    assert_invalid_client(post(flow, TOKEN, {"grant_type": "client_credentials"}, auth=(client_id, "x" * 43)))


def test_introspect_and_revoke_authenticate_with_assertions(flow: Flow, client_id: str) -> None:
    token = cc(flow, assertion(flow, client_id)).json()["access_token"]

    def auth() -> dict[str, str]:
        return {"client_assertion_type": JWT_BEARER, "client_assertion": assertion(flow, client_id)}

    described = post(flow, "/api/v1/oauth/introspect", {"token": token, **auth()})
    assert described.status_code == 200 and described.json()["active"] is True
    assert post(flow, "/api/v1/oauth/revoke", {"token": token, **auth()}).status_code == 200
    assert post(flow, "/api/v1/oauth/introspect", {"token": token, **auth()}).json() == {"active": False}


def test_discovery_advertises_it(flow: Flow) -> None:
    meta = httpx.get(f"{flow.base}/.well-known/openid-configuration", timeout=30).json()
    assert "private_key_jwt" in meta["token_endpoint_auth_methods_supported"]
    algs = meta["token_endpoint_auth_signing_alg_values_supported"]
    assert set(algs) == {"RS256", "PS256", "ES256"} and "none" not in algs


def test_registering_private_key_material_is_refused(flow: Flow, tmp_path: pathlib.Path) -> None:
    jwks = public_jwks()
    jwks["keys"][0]["d"] = b64(RSA_KEY.private_numbers().d.to_bytes(256, "big"))
    path = tmp_path / "leaked.json"
    path.write_text(json.dumps(jwks))
    cid = "pk" + secrets.token_hex(5)
    out = flow.cli("client", "create", "--client-id", cid, "--grant-type", "client_credentials",
                   "--jwks-file", str(path), check=False)
    assert out == {}  # refused (exit code 1)
    assert cid not in json.dumps(flow.cli("client", "list"))
