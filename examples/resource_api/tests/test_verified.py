"""The example API with the verifier: the same routes and scopes as behind ext_authz,
answered by the resource server itself (keys and revocations from fakes here)."""

from __future__ import annotations

import sys
from pathlib import Path

from example_api.verified import create_verified_app
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "libs" / "verifier" / "tests"))
from authgate_verifier import JwksCache, RevocationState, Verifier  # noqa: E402
from verifier_fakes import AUDIENCE, ISSUER, Clock, Issuer  # noqa: E402


def test_routes_answer_as_behind_the_gateway() -> None:
    issuer = Issuer()
    issuer.new_key("k1")
    wall = Clock()
    state = RevocationState(clock=wall)
    state.apply(snapshot_complete=True)
    verifier = Verifier(ISSUER, AUDIENCE, JwksCache(ISSUER, fetch=issuer.fetch), state, clock=wall)
    client = TestClient(create_verified_app(verifier))
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
