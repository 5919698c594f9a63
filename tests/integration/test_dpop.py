"""DPoP (RFC 9449) through the gateway, two token replicas behind it.

openid-client (a certified RP library, tests/rp/dpop.mjs) runs a public client's code flow
with one DPoP key: its tokens come back bound (token_type DPoP, `cnf.jkt` the key's
thumbprint), userinfo accepts them with its proofs, and the bound refresh token rotates.
Then what an attacker meets, sent with httpx and authgate_dpop.DPoPKey: a proof without
the server's nonce (use_dpop_nonce, DPoP-Nonce), a replayed proof, a proof for another
URL or method, a bound token sent as Bearer or with another key's proof at userinfo (401,
DPoP challenge), and a public client's bound refresh token with another key (400, the
token still good for its holder). Introspection describes a bound token with `cnf.jkt`.
"""

from __future__ import annotations

import base64
import json
import pathlib
import shutil
import subprocess
import urllib.parse
from typing import Any

import httpx
import pytest
from authgate_dpop import DPoPKey, thumbprint
from flowkit import AppClient, Flow, pkce_pair

RP = pathlib.Path(__file__).resolve().parents[1] / "rp"
TOKEN = "/api/v1/oauth/token"
USERINFO = "/api/v1/userinfo/me"

pytestmark = pytest.mark.skipif(shutil.which("node") is None or not (RP / "node_modules").is_dir(),
                                reason="node and tests/rp/node_modules (npm ci --prefix tests/rp) needed")


def payload(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _callback(flow: Flow, client: AppClient, challenge: str, state: str) -> str:
    """A signed-in browser's redirect back to the client, with the code."""
    with flow.browser() as browser:
        flow.login(browser, flow.user())
        resp = flow.authorize(browser, client, challenge=challenge, scope="openid profile", state=state)
    assert resp.status_code == 302, resp.text
    return resp.headers["location"]


class Holder:
    """An app holding a DPoP key, sending its requests through the gateway by hand."""

    def __init__(self, flow: Flow, client: AppClient, key: DPoPKey | None = None) -> None:
        self.flow, self.client = flow, client
        self.key = key or DPoPKey.generate()
        self.nonce: str | None = None

    def proof(self, method: str = "POST", path: str = TOKEN, **kw: Any) -> str:
        return self.key.proof(method, self.flow.base + path, **kw)

    def post_token(self, data: dict[str, str], proof: str) -> httpx.Response:
        auth = (self.client.client_id, self.client.client_secret) if self.client.client_secret else None
        if auth is None:
            data = {**data, "client_id": self.client.client_id}
        resp = httpx.post(self.flow.base + TOKEN, data=data, auth=auth, headers={"DPoP": proof}, timeout=30)
        self.nonce = resp.headers.get("dpop-nonce", self.nonce)
        return resp

    def token(self, data: dict[str, str]) -> httpx.Response:
        """As a client library does: a proof with the last nonce; once more if it was stale."""
        resp = self.post_token(data, self.proof(nonce=self.nonce))
        if resp.status_code == 400 and resp.json().get("error") == "use_dpop_nonce":
            resp = self.post_token(data, self.proof(nonce=self.nonce))
        return resp

    def code_tokens(self) -> dict[str, Any]:
        verifier, challenge = pkce_pair()
        location = _callback(self.flow, self.client, challenge, "st-dpop")
        code = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["code"][0]
        resp = self.token({"grant_type": "authorization_code", "code": code,
                           "redirect_uri": self.client.redirect_uri, "code_verifier": verifier})
        assert resp.status_code == 200, resp.text
        return resp.json()

    def userinfo(self, token: str, proof: str | None, scheme: str = "DPoP") -> httpx.Response:
        headers = {"Authorization": f"{scheme} {token}"} | ({"DPoP": proof} if proof else {})
        return httpx.get(self.flow.base + USERINFO, headers=headers, timeout=30)


@pytest.fixture(scope="module")
def bound(flow: Flow) -> tuple[Holder, dict[str, Any]]:
    """A confidential client's tokens bound to its DPoP key (one sign-in for the module)."""
    holder = Holder(flow, flow.client("--grant-type", "refresh_token"))
    return holder, holder.code_tokens()


def test_openid_client_gets_bound_tokens_uses_and_refreshes_them(flow: Flow) -> None:
    client = flow.client("--grant-type", "refresh_token", public=True, scopes="openid profile")
    verifier, challenge = pkce_pair()
    callback = _callback(flow, client, challenge, "st-rp")
    proc = subprocess.run(["node", str(RP / "dpop.mjs"), flow.base, client.client_id, callback, verifier,
                           "st-rp"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = json.loads(proc.stdout)
    jkt = thumbprint(out["jwk"])
    assert "ES256" in out["algs"]
    # openid-client lower-cases token_type (oauth4webapi); the server says "DPoP".
    assert out["token_type"].lower() == out["refreshed_token_type"].lower() == "dpop"
    assert payload(out["access_token"])["cnf"] == {"jkt": jkt}
    assert payload(out["refreshed_access_token"])["cnf"] == {"jkt": jkt}
    assert out["userinfo_sub"] == out["refreshed_userinfo_sub"] == out["sub"]

    # The public client's refresh token is bound to that key: another key cannot use it
    # (and does not spend it), nor can a request without a proof.
    thief = Holder(flow, client)
    stolen = thief.token({"grant_type": "refresh_token", "refresh_token": out["refresh_token"]})
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_dpop_proof", stolen.text
    bare = httpx.post(flow.base + TOKEN, data={"grant_type": "refresh_token", "client_id": client.client_id,
                                               "refresh_token": out["refresh_token"]}, timeout=30)
    assert bare.status_code == 400 and bare.json()["error"] == "invalid_dpop_proof"
    introspected = httpx.post(flow.base + "/api/v1/oauth/introspect",
                              data={"token": out["refresh_token"], "client_id": client.client_id}, timeout=30)
    assert introspected.json()["active"] and introspected.json()["cnf"] == {"jkt": jkt}


def test_a_proof_without_the_servers_nonce_gets_one(flow: Flow) -> None:
    holder = Holder(flow, flow.client())
    resp = holder.post_token({"grant_type": "authorization_code", "code": "x", "redirect_uri": "x"},
                             holder.proof())
    assert resp.status_code == 400 and resp.json()["error"] == "use_dpop_nonce"
    assert resp.headers["dpop-nonce"] and resp.headers["cache-control"] == "no-store"


def test_a_client_registered_for_bound_tokens_must_send_a_proof(flow: Flow) -> None:
    client = flow.client("--dpop-bound")
    form = {"grant_type": "authorization_code", "code": "x", "redirect_uri": client.redirect_uri}
    resp = httpx.post(flow.base + TOKEN, auth=(client.client_id, client.client_secret), data=form, timeout=30)
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_dpop_proof"
    assert resp.headers["dpop-nonce"]


def test_bound_tokens_carry_the_keys_thumbprint_and_introspection_shows_it(bound) -> None:
    holder, tokens = bound
    assert tokens["token_type"] == "DPoP"
    assert payload(tokens["access_token"])["cnf"] == {"jkt": holder.key.jkt}
    body = httpx.post(holder.flow.base + "/api/v1/oauth/introspect", data={"token": tokens["access_token"]},
                      auth=(holder.client.client_id, holder.client.client_secret), timeout=30).json()
    assert body["active"] and body["token_type"] == "DPoP" and body["cnf"] == {"jkt": holder.key.jkt}


def test_a_proof_is_used_once_whichever_replica_gets_it(bound) -> None:
    holder, tokens = bound
    # A confidential client's refresh token is not bound; the proof is, to one request.
    proof = holder.proof(nonce=holder.nonce)
    first = holder.post_token({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
                              proof)
    assert first.status_code == 200, first.text
    assert first.json()["token_type"] == "DPoP"
    again = holder.post_token({"grant_type": "refresh_token", "refresh_token": first.json()["refresh_token"]},
                              proof)
    assert again.status_code == 400 and again.json()["error"] == "invalid_dpop_proof"


@pytest.mark.parametrize("method, path", [("GET", TOKEN), ("POST", "/api/v1/oauth/revoke"),
                                          ("POST", USERINFO)])
def test_a_proof_for_another_request_is_refused_at_token(bound, method: str, path: str) -> None:
    holder, _tokens = bound
    resp = holder.post_token({"grant_type": "refresh_token", "refresh_token": "unknown"},
                             holder.proof(method, path, nonce=holder.nonce))
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_dpop_proof"


def test_userinfo_wants_the_bound_token_with_a_proof_of_its_key(bound) -> None:
    holder, tokens = bound
    token = tokens["access_token"]
    ok = holder.userinfo(token, holder.proof("GET", USERINFO, access_token=token))
    assert ok.status_code == 200 and ok.json()["sub"] == payload(token)["sub"]

    as_bearer = holder.userinfo(token, None, scheme="Bearer")
    assert as_bearer.status_code == 401 and as_bearer.json()["error"] == "invalid_token"
    assert as_bearer.headers["www-authenticate"].startswith('DPoP algs="')

    other_key = holder.userinfo(token, DPoPKey.generate().proof("GET", holder.flow.base + USERINFO,
                                                                access_token=token))
    assert other_key.status_code == 401 and other_key.json()["error"] == "invalid_dpop_proof"
    assert 'error="invalid_dpop_proof"' in other_key.headers["www-authenticate"]

    replayed = holder.proof("GET", USERINFO, access_token=token)
    assert holder.userinfo(token, replayed).status_code == 200
    assert holder.userinfo(token, replayed).json()["error"] == "invalid_dpop_proof"
    wrong_method = holder.userinfo(token, holder.proof("POST", USERINFO, access_token=token))
    assert wrong_method.status_code == 401 and wrong_method.json()["error"] == "invalid_dpop_proof"
