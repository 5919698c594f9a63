"""/api/v1/admin/keys on the fakes, through the real HTTP app: the bearer token is validated
here (no gRPC to ourselves), the keys listed without private material, a rotation honours
the publish-ahead rule (409 with Retry-After unless forced) and is audited with the acting
client; an unwired audit trail fails closed."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from token_fakes import Calls
from token_service.domain.ports import Client

KEYS = "/api/v1/admin/keys"
ADMIN_SCOPES = ("admin:keys", "admin:audit", "admin:users")


def admin_token(world, scope: str) -> dict[str, str]:
    if "ops" not in world.authorization.clients:
        world.authorization.add_client(Client("ops", grant_types=("client_credentials",), admin=True,
                                              scopes=(*ADMIN_SCOPES, "read")), "ops-secret")
    resp = Calls(world).token({"grant_type": "client_credentials", "scope": scope}, ("ops", "ops-secret"))
    return {"Authorization": f"Bearer {resp.access_token}"}


@pytest.fixture
def admin(rotating_world, key_store, clock):
    world, signing_keys = rotating_world(JWKS_CACHE_SECONDS=120)
    with TestClient(world.service.http_app) as http:
        yield http, world


def _problem(resp, status: int, error: str) -> None:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["error"] == error


def test_no_token_401_other_scope_or_audience_403(admin) -> None:
    http, world = admin
    for method, path in [("GET", KEYS), ("POST", f"{KEYS}/rotate"), ("GET", "/api/v1/admin/audit")]:
        resp = http.request(method, path)
        _problem(resp, 401, "invalid_token")
        assert resp.headers["www-authenticate"] == 'Bearer realm="authgate"'
        _problem(http.request(method, path, headers={"Authorization": "Bearer x.y.z"}), 401, "invalid_token")
        # Another admin scope; an ordinary API token of the same client (not for the admin API).
        for scope in ("admin:users", "read"):
            _problem(http.request(method, path, headers=admin_token(world, scope)), 403, "insufficient_scope")


def test_lists_the_keys_without_private_material(admin) -> None:
    http, world = admin
    resp = http.get(KEYS, headers=admin_token(world, "admin:keys"))
    assert resp.status_code == 200 and resp.headers["cache-control"] == "no-store"
    keys = resp.json()["keys"]
    assert sorted(k["state"] for k in keys) == ["current", "next"]
    assert set(keys[0]) == {"kid", "alg", "state", "created_at", "activated_at", "retired_at",
                            "published_until"}
    jwks = {k["kid"] for k in http.get("/.well-known/jwks.json").json()["keys"]}
    assert {k["kid"] for k in keys} == jwks
    assert '"d"' not in resp.text and "private" not in json.dumps(keys).lower()


def test_rotation_waits_for_caches_unless_forced_and_is_audited(admin, key_store, clock) -> None:
    http, world = admin
    bot = admin_token(world, "admin:keys")
    before = {k["kid"]: k["state"] for k in http.get(KEYS, headers=bot).json()["keys"]}
    early = http.post(f"{KEYS}/rotate", headers=bot)
    _problem(early, 409, "rotation_not_due")
    # Retry-After counts from the wall clock (the fake one here is elsewhere): a whole number.
    assert int(early.headers["retry-after"]) >= 1 and "force=true" in early.json()["detail"]
    assert {k["kid"]: k["state"] for k in http.get(KEYS, headers=bot).json()["keys"]} == before
    clock.advance(seconds=3600)
    done = http.post(f"{KEYS}/rotate", headers=bot)
    assert done.status_code == 200, done.text
    body = done.json()
    nxt = next(kid for kid, state in before.items() if state == "next")
    assert body["rotated"] is True and body["current_kid"] == nxt
    assert nxt in {k["kid"] for k in http.get("/.well-known/jwks.json").json()["keys"]}
    forced = http.post(f"{KEYS}/rotate?force=true", headers=bot)
    assert forced.status_code == 200 and forced.json()["current_kid"] != nxt
    rotated = [e for e in key_store.audit.events if e.type == "admin.key.rotated"]
    assert [(e.actor, e.client_id, e.details["forced"]) for e in rotated] == [
        ("client:ops", "ops", False), ("client:ops", "ops", True)]
    _problem(http.post(f"{KEYS}/rotate?force=maybe", headers=bot), 400, "invalid_request")


def test_the_audit_trail_unwired_is_503_not_an_empty_answer(admin) -> None:
    http, world = admin
    resp = http.get("/api/v1/admin/audit", headers=admin_token(world, "admin:audit"))
    _problem(resp, 503, "temporarily_unavailable")
