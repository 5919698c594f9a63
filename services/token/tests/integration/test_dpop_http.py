"""DPoP (RFC 9449) over the real HTTP app, PostgreSQL and Redis: a bound code exchange
(§5, nonce §8), a proof used once across replicas (§11.1), a public client's refresh
family bound in the database (§5; a refusal leaves the token unused), userinfo with a
bound token (§7) and introspection's `cnf` (§6.2)."""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any

import pytest
from authgate_dpop import DPoPKey

ISSUER = "https://auth.example"
TOKEN = "/api/v1/oauth/token"
TOKEN_URL = ISSUER + TOKEN
USERINFO = "/api/v1/userinfo/me"
REDIRECT = "https://app.example/cb"


def payload(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


class Holder:
    """A client with a DPoP key that keeps the last nonce the server sent."""

    def __init__(self, http, client_id: str, secret: str = "", key: DPoPKey | None = None) -> None:
        self.http, self.client_id, self.secret = http, client_id, secret
        self.key = key or DPoPKey.generate()
        self.nonce: str | None = None

    def token(self, proof: str | None = None, **data: str):
        proof = proof or self.key.proof("POST", TOKEN_URL, nonce=self.nonce)
        auth = (self.client_id, self.secret) if self.secret else None
        if not self.secret:
            data["client_id"] = self.client_id
        resp = self.http.post(TOKEN, data=data, auth=auth, headers={"DPoP": proof})
        self.nonce = resp.headers.get("dpop-nonce", self.nonce)
        return resp

    def exchange(self, code: str, **kw: str):
        return self.token(grant_type="authorization_code", code=code, redirect_uri=REDIRECT,
                          code_verifier="v" * 43, **kw)


@pytest.fixture
def public_client(harness) -> str:
    client_id = "spa-" + secrets.token_hex(4)
    harness.fakes.add_client(client_id, public=True, grant_types=("authorization_code", "refresh_token"))
    return client_id


def test_a_code_exchange_is_bound_after_one_nonce_round_trip(harness, app_client) -> None:
    holder = Holder(harness.http, *app_client)
    code = harness.fakes.add_code(app_client[0])
    first = holder.exchange(code)
    assert first.status_code == 400 and first.json()["error"] == "use_dpop_nonce"
    assert holder.nonce and first.headers["cache-control"] == "no-store"
    resp = holder.exchange(code)  # the code was not redeemed by the refused request
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["token_type"] == "DPoP" and payload(body["access_token"])["cnf"] == {"jkt": holder.key.jkt}
    assert resp.headers["dpop-nonce"]

    token = body["access_token"]
    as_bearer = harness.http.get(USERINFO, headers={"Authorization": f"Bearer {token}"})
    assert as_bearer.status_code == 401 and as_bearer.headers["www-authenticate"].startswith("DPoP ")
    proof = holder.key.proof("GET", ISSUER + USERINFO, access_token=token)
    ok = harness.http.get(USERINFO, headers={"Authorization": f"DPoP {token}", "DPoP": proof})
    assert ok.status_code == 200 and ok.json()["sub"] == "u1"
    replay = harness.http.get(USERINFO, headers={"Authorization": f"DPoP {token}", "DPoP": proof})
    assert replay.status_code == 401 and replay.json()["error"] == "invalid_dpop_proof"

    described = harness.http.post("/api/v1/oauth/introspect", data={"token": token}, auth=app_client).json()
    assert described["active"] and described["token_type"] == "DPoP"
    assert described["cnf"] == {"jkt": holder.key.jkt}


def test_a_public_clients_bound_refresh_token_is_refused_without_being_spent(harness, public_client) -> None:
    holder = Holder(harness.http, public_client)
    code = harness.fakes.add_code(public_client)
    holder.exchange(code)  # use_dpop_nonce: learns the nonce
    tokens = holder.exchange(code).json()
    refresh_token = tokens["refresh_token"]

    thief = Holder(harness.http, public_client, key=DPoPKey.generate())
    thief.nonce = holder.nonce
    stolen = thief.token(grant_type="refresh_token", refresh_token=refresh_token)
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_dpop_proof", stolen.text
    bare = harness.http.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": refresh_token,
                                          "client_id": public_client})
    assert bare.status_code == 400 and bare.json()["error"] == "invalid_dpop_proof"

    rotated = holder.token(grant_type="refresh_token", refresh_token=refresh_token)
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["token_type"] == "DPoP"
    assert payload(rotated.json()["access_token"])["cnf"]["jkt"] == holder.key.jkt
    again = holder.token(grant_type="refresh_token", refresh_token=rotated.json()["refresh_token"])
    assert again.status_code == 200, again.text


def test_a_proof_is_single_use_across_replicas_and_a_nonce_good_on_each(harness, start_replicas) -> None:
    client_id, secret = "svc-" + secrets.token_hex(4), secrets.token_urlsafe(16)
    harness.fakes.add_client(client_id, secret, grant_types=("client_credentials",), scopes="read")
    key = DPoPKey.generate()
    form = {"grant_type": "client_credentials", "scope": "read"}
    with start_replicas() as (a, b):
        first = a.http.post(TOKEN, data=form, auth=(client_id, secret),
                            headers={"DPoP": key.proof("POST", TOKEN_URL)})
        assert first.status_code == 400 and first.json()["error"] == "use_dpop_nonce"
        proof = key.proof("POST", TOKEN_URL, nonce=first.headers["dpop-nonce"])
        on_b = b.http.post(TOKEN, data=form, auth=(client_id, secret), headers={"DPoP": proof})
        assert on_b.status_code == 200 and on_b.json()["token_type"] == "DPoP", on_b.text
        on_a = a.http.post(TOKEN, data=form, auth=(client_id, secret), headers={"DPoP": proof})
        assert on_a.status_code == 400 and on_a.json()["error"] == "invalid_dpop_proof"
