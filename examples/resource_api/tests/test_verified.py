"""The example API with the verifier: the same routes and scopes as behind ext_authz,
answered by the resource server itself (keys and revocations from fakes here)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from authgate_dpop import DPoPKey
from example_api.verified import create_verified_app
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "libs" / "verifier" / "tests"))
from authgate_verifier import JwksCache, RevocationState, Verifier  # noqa: E402
from verifier_fakes import AUDIENCE, ISSUER, Clock, Issuer  # noqa: E402


def _setup(**options: Any) -> tuple[Issuer, Clock, RevocationState, TestClient]:
    issuer = Issuer()
    issuer.new_key("k1")
    wall = Clock()
    state = RevocationState(clock=wall)
    state.apply(snapshot_complete=True)
    verifier = Verifier(ISSUER, AUDIENCE, JwksCache(ISSUER, fetch=issuer.fetch), state, clock=wall,
                        **options)
    return issuer, wall, state, TestClient(create_verified_app(verifier))


def test_routes_answer_as_behind_the_gateway() -> None:
    issuer, wall, state, client = _setup()
    token = issuer.token(scope="openid read")
    bearer = {"Authorization": f"Bearer {token}"}

    listed = client.get("/api/v1/example/items", headers=bearer)
    assert listed.status_code == 200 and listed.json()["sub"] == "user-1"
    assert client.post("/api/v1/example/items", headers=bearer).status_code == 403
    assert client.get("/api/v1/example/items").status_code == 401
    state.apply(sessions=[("sid-1", wall.now + 60)])
    revoked = client.get("/api/v1/example/items", headers=bearer)
    assert revoked.status_code == 401 and "invalid_token" in revoked.headers["www-authenticate"]
    state.lost()
    assert client.get("/api/v1/example/items", headers=bearer).status_code == 503


def test_a_dpop_bound_token_needs_its_proof() -> None:
    issuer, wall, _, client = _setup(public_base_url="https://api.example.com")
    key = DPoPKey.generate()
    token = issuer.token(scope="openid read", cnf={"jkt": key.jkt})
    url = "https://api.example.com/api/v1/example/items"

    proof = key.proof("GET", url, access_token=token, iat=wall.now)
    listed = client.get("/api/v1/example/items", headers={"Authorization": f"DPoP {token}", "DPoP": proof})
    assert listed.status_code == 200 and listed.json()["cnf_jkt"] == key.jkt
    replayed = client.get("/api/v1/example/items", headers={"Authorization": f"DPoP {token}", "DPoP": proof})
    assert replayed.status_code == 401
    assert replayed.headers["www-authenticate"].startswith('DPoP algs="')
    assert 'error="invalid_dpop_proof"' in replayed.headers["www-authenticate"]
    as_bearer = client.get("/api/v1/example/items", headers={"Authorization": f"Bearer {token}"})
    assert as_bearer.status_code == 401 and 'error="invalid_token"' in as_bearer.headers["www-authenticate"]
    post = key.proof("POST", url, access_token=token, iat=wall.now)
    create = client.post("/api/v1/example/items", headers={"Authorization": f"DPoP {token}", "DPoP": post})
    assert create.status_code == 403 and create.headers["www-authenticate"].startswith("DPoP ")
