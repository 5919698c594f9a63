"""DPoP-bound tokens (RFC 9449) through the token service's core and HTTP app, on fakes:
binding at /token for every grant (§5, `cnf.jkt` §6.1, token_type DPoP), nonces (§8),
a public client's bound refresh tokens (§5), the bound token at userinfo (§7), in
introspection (§6.2) and in ValidateToken; DPOP_ENABLED off."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from authgate_common.core.errors import (
    DPOP_NONCE_KEY,
    InvalidDPoPProof,
    InvalidToken,
    ResourceDPoPProofRefused,
    UseDPoPNonce,
)
from authgate_dpop import DPoPKey
from fastapi.testclient import TestClient
from token_fakes import CODE_REDIRECT, FORM, Calls, basic, form
from token_service.domain.dpop import Presentation
from token_service.domain.ports import Client
from token_service.entrypoints.form_request import form_request
from token_service.entrypoints.grpc_api import TokenServicer

ISSUER = "https://auth.example"
TOKEN_URL = ISSUER + "/api/v1/oauth/token"
USERINFO = "/api/v1/userinfo/me"
USERINFO_URL = ISSUER + USERINFO


def payload(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


class Client9449:
    """An app with a DPoP key, as a client library drives /token: it learns the nonce from
    the first refusal (use_dpop_nonce) and then from each answer (DPoP-Nonce)."""

    def __init__(self, calls: Calls, auth: tuple[str, str] | str, key: DPoPKey | None = None) -> None:
        self.calls, self.auth = calls, auth
        self.key = key or DPoPKey.generate()
        self.nonce: str | None = None

    def post(self, params: dict[str, str], *, proof: str | None | bool = True):
        """proof True: a fresh proof of the key, retried once with the nonce a refusal names;
        a given proof (or None: none) is sent as it is."""
        automatic = proof is True
        if proof is True:
            proof = self.key.proof("POST", TOKEN_URL, nonce=self.nonce)
        body, header = ((form({**params, "client_id": self.auth}), None) if isinstance(self.auth, str)
                        else (form(params), basic(*self.auth)))
        request = form_request(FORM, body, header, proof or None)
        try:
            response = self.calls.world.service.token_endpoint.handle(request)
        except UseDPoPNonce as exc:
            if not automatic or self.nonce is not None:
                raise
            self.nonce = exc.metadata[DPOP_NONCE_KEY]
            return self.post(params)
        self.nonce = response.dpop_nonce or self.nonce
        return response

    def sign_in(self, scopes: tuple[str, ...] = ("openid", "read"), **kw: Any):
        client_id = self.auth if isinstance(self.auth, str) else self.auth[0]
        code = self.calls.add_code(scopes, client_id, "sid-1")
        return self.post({"grant_type": "authorization_code", "code": code, "redirect_uri": CODE_REDIRECT,
                          "code_verifier": "v"}, **kw)

    def refresh(self, refresh_token: str, **kw: Any):
        return self.post({"grant_type": "refresh_token", "refresh_token": refresh_token}, **kw)


def at_userinfo(key: DPoPKey, token: str, method: str = "GET", url: str = USERINFO_URL) -> Presentation:
    return Presentation("DPoP", key.proof(method, url, access_token=token), method, url)


def test_a_code_exchange_with_a_proof_binds_the_access_token(calls) -> None:
    app = Client9449(calls, ("app", "app-secret"))
    resp = app.sign_in()
    assert resp.token_type == "DPoP" and resp.to_dict()["token_type"] == "DPoP"
    assert payload(resp.access_token)["cnf"] == {"jkt": app.key.jkt}
    assert resp.dpop_nonce and resp.dpop_nonce == app.nonce  # §8.2: the next nonce comes along
    assert "cnf" not in payload(resp.id_token)
    validator = calls.world.service.validator
    presented = at_userinfo(app.key, resp.access_token)
    assert validator.validate(resp.access_token, presented=presented)["sub"] == "u1"
    with pytest.raises(InvalidToken):  # as a bearer token: refused (§7.2)
        validator.validate(resp.access_token)


def test_without_a_proof_tokens_stay_bearer(calls) -> None:
    resp = Client9449(calls, ("app", "app-secret")).sign_in(proof=None)
    assert resp.token_type == "Bearer" and "cnf" not in payload(resp.access_token) and not resp.dpop_nonce


def test_the_first_proof_without_a_nonce_is_use_dpop_nonce_and_the_code_survives(calls) -> None:
    app = Client9449(calls, ("app", "app-secret"))
    code = calls.add_code(("openid",), "app", "sid-1")
    params = {"grant_type": "authorization_code", "code": code, "redirect_uri": CODE_REDIRECT,
              "code_verifier": "v"}
    with pytest.raises(UseDPoPNonce) as exc:
        app.post(params, proof=app.key.proof("POST", TOKEN_URL))
    app.nonce = exc.value.metadata[DPOP_NONCE_KEY]
    assert app.post(params).token_type == "DPoP"  # the refusal came before the code was redeemed


def test_a_replayed_proof_is_refused(calls) -> None:
    app = Client9449(calls, ("svc", "svc-secret"))
    app.post({"grant_type": "client_credentials", "scope": "read"}, proof=None)
    with pytest.raises(UseDPoPNonce) as exc:
        app.post({"grant_type": "client_credentials"}, proof=app.key.proof("POST", TOKEN_URL))
    proof = app.key.proof("POST", TOKEN_URL, nonce=exc.value.metadata[DPOP_NONCE_KEY])
    assert app.post({"grant_type": "client_credentials"}, proof=proof).token_type == "DPoP"
    with pytest.raises(InvalidDPoPProof, match="used before"):
        app.post({"grant_type": "client_credentials"}, proof=proof)


def test_client_credentials_tokens_are_bound_too(calls) -> None:
    app = Client9449(calls, ("svc", "svc-secret"))
    resp = app.post({"grant_type": "client_credentials", "scope": "read"})
    assert resp.token_type == "DPoP" and payload(resp.access_token)["cnf"]["jkt"] == app.key.jkt


def test_a_client_registered_for_bound_tokens_must_send_a_proof(calls) -> None:
    calls.world.authorization.add_client(Client("strict", grant_types=("client_credentials",),
                                                scopes=("read",), dpop_bound_access_tokens=True),
                                         "strict-secret")
    app = Client9449(calls, ("strict", "strict-secret"))
    with pytest.raises(InvalidDPoPProof) as exc:
        app.post({"grant_type": "client_credentials"}, proof=None)
    assert exc.value.metadata[DPOP_NONCE_KEY]  # what to put in the proof
    assert app.post({"grant_type": "client_credentials"}).token_type == "DPoP"


def test_a_confidential_clients_refresh_token_is_not_bound(calls) -> None:
    app = Client9449(calls, ("app", "app-secret"))
    first = app.sign_in()
    plain = app.refresh(first.refresh_token, proof=None)
    assert plain.token_type == "Bearer" and "cnf" not in payload(plain.access_token)
    other = Client9449(calls, ("app", "app-secret"))
    rebound = other.refresh(plain.refresh_token)
    assert payload(rebound.access_token)["cnf"]["jkt"] == other.key.jkt
    assert "cnf" not in calls.introspect(rebound.refresh_token, auth=("app", "app-secret"))


def test_a_public_clients_refresh_tokens_are_bound_to_the_key_it_started_with(calls) -> None:
    spa = Client9449(calls, "spa")
    first = spa.sign_in()
    assert calls.introspect(first.refresh_token, auth="spa")["cnf"] == {"jkt": spa.key.jkt}
    thief = Client9449(calls, "spa")
    with pytest.raises(InvalidDPoPProof, match="another DPoP key"):
        thief.refresh(first.refresh_token)
    with pytest.raises(InvalidDPoPProof, match="DPoP-bound"):
        spa.refresh(first.refresh_token, proof=None)
    # Neither refusal consumed the token: its holder of the key still rotates it.
    second = spa.refresh(first.refresh_token)
    assert second.token_type == "DPoP" and payload(second.access_token)["cnf"]["jkt"] == spa.key.jkt
    assert spa.refresh(second.refresh_token).token_type == "DPoP"
    assert "refresh_reuse_detected" not in calls.world.refresh_store.events()


def test_a_public_client_without_a_proof_gets_an_unbound_family(calls) -> None:
    spa = Client9449(calls, "spa")
    first = spa.sign_in(proof=None)
    assert "cnf" not in calls.introspect(first.refresh_token, auth="spa")
    assert spa.refresh(first.refresh_token, proof=None).token_type == "Bearer"


def test_introspection_shows_the_binding(calls) -> None:
    app = Client9449(calls, ("app", "app-secret"))
    resp = app.sign_in()
    body = calls.introspect(resp.access_token, auth=("app", "app-secret"))
    assert body["active"] and body["token_type"] == "DPoP" and body["cnf"] == {"jkt": app.key.jkt}
    bearer = calls.introspect(app.sign_in(proof=None).access_token, auth=("app", "app-secret"))
    assert bearer["token_type"] == "access_token" and "cnf" not in bearer


def test_validate_token_takes_the_presentation_and_answers_cnf_jkt(calls) -> None:
    from authgate.token.v1 import token_pb2 as pb
    app = Client9449(calls, ("app", "app-secret"))
    token = app.sign_in().access_token
    servicer = TokenServicer(calls.world.service.validator, calls.world.service.signing_keys)
    url = "https://api.example/orders"
    ok = servicer.ValidateToken(pb.ValidateTokenRequest(
        token=token, token_scheme="DPoP", dpop_proof=app.key.proof("GET", url, access_token=token),
        http_method="GET", http_url=url), None)
    assert ok.cnf_jkt == app.key.jkt and ok.sub == "u1"
    with pytest.raises(InvalidToken):  # a caller that sends nothing: a bearer presentation
        servicer.ValidateToken(pb.ValidateTokenRequest(token=token), None)
    with pytest.raises(ResourceDPoPProofRefused):
        servicer.ValidateToken(pb.ValidateTokenRequest(
            token=token, token_scheme="DPoP", dpop_proof=app.key.proof("GET", url, access_token=token),
            http_method="POST", http_url=url), None)
    bearer = app.sign_in(proof=None).access_token
    assert servicer.ValidateToken(pb.ValidateTokenRequest(token=bearer), None).cnf_jkt == ""


# --- over HTTP ------------------------------------------------------------------------

def _token_post(http: TestClient, dpop: list[str] | None, **data: str):
    headers = [("dpop", v) for v in dpop or []]
    return http.post("/api/v1/oauth/token", data=data, auth=("svc", "svc-secret"), headers=headers)


def test_http_token_endpoint_sends_the_nonce_and_refuses_two_headers(calls) -> None:
    key = DPoPKey.generate()
    with TestClient(calls.world.service.http_app) as http:
        first = _token_post(http, [key.proof("POST", TOKEN_URL)], grant_type="client_credentials")
        assert first.status_code == 400 and first.json()["error"] == "use_dpop_nonce"
        nonce = first.headers["dpop-nonce"]
        ok = _token_post(http, [key.proof("POST", TOKEN_URL, nonce=nonce)], grant_type="client_credentials")
        assert ok.status_code == 200 and ok.json()["token_type"] == "DPoP" and ok.headers["dpop-nonce"]
        assert ok.headers["cache-control"] == "no-store"
        two = _token_post(http, [key.proof("POST", TOKEN_URL, nonce=nonce)] * 2,
                          grant_type="client_credentials")
        assert two.status_code == 400 and two.json()["error"] == "invalid_dpop_proof"
        doc = http.get("/.well-known/openid-configuration").json()
        assert "ES256" in doc["dpop_signing_alg_values_supported"]


def test_http_userinfo_wants_the_dpop_scheme_and_a_proof_of_the_key(calls) -> None:
    app = Client9449(calls, ("app", "app-secret"))
    token = app.sign_in().access_token
    with TestClient(calls.world.service.http_app) as http:
        as_bearer = http.get(USERINFO, headers={"Authorization": f"Bearer {token}"})
        assert as_bearer.status_code == 401 and as_bearer.json()["error"] == "invalid_token"
        assert as_bearer.headers["www-authenticate"].startswith('DPoP algs="')
        good = http.get(USERINFO, headers={"Authorization": f"DPoP {token}",
                                           "DPoP": app.key.proof("GET", USERINFO_URL, access_token=token)})
        assert good.status_code == 200 and good.json()["sub"] == "u1"
        proof = app.key.proof("POST", USERINFO_URL, access_token=token)
        posted = http.post(USERINFO, headers={"Authorization": f"DPoP {token}", "DPoP": proof})
        assert posted.status_code == 200
        for proof in (app.key.proof("POST", USERINFO_URL, access_token=token),  # other method
                      app.key.proof("GET", ISSUER + "/api/v1/other", access_token=token),  # other URL
                      DPoPKey.generate().proof("GET", USERINFO_URL, access_token=token)):  # other key
            bad = http.get(USERINFO, headers={"Authorization": f"DPoP {token}", "DPoP": proof})
            assert bad.status_code == 401 and bad.json()["error"] == "invalid_dpop_proof"
            assert 'error="invalid_dpop_proof"' in bad.headers["www-authenticate"]
        replayed = app.key.proof("GET", USERINFO_URL, access_token=token)
        headers = {"Authorization": f"DPoP {token}", "DPoP": replayed}
        assert http.get(USERINFO, headers=headers).status_code == 200
        again = http.get(USERINFO, headers=headers)
        assert again.status_code == 401 and again.json()["error"] == "invalid_dpop_proof"


def test_http_userinfo_refuses_a_bearer_token_under_the_dpop_scheme(calls) -> None:
    token = Client9449(calls, ("app", "app-secret")).sign_in(proof=None).access_token
    key = DPoPKey.generate()
    with TestClient(calls.world.service.http_app) as http:
        resp = http.get(USERINFO, headers={"Authorization": f"DPoP {token}",
                                           "DPoP": key.proof("GET", USERINFO_URL, access_token=token)})
        assert resp.status_code == 401 and resp.headers["www-authenticate"].startswith("DPoP ")
        assert http.get(USERINFO, headers={"Authorization": f"Bearer {token}"}).status_code == 200


# --- DPOP_ENABLED off -----------------------------------------------------------------

def test_with_dpop_off_a_proof_is_refused_and_discovery_is_silent(world_factory) -> None:
    world = world_factory(DPOP_ENABLED=False)
    world.authorization.add_client(Client("svc", grant_types=("client_credentials",), scopes=("read",)), "s")
    calls = Calls(world, auth=("svc", "s"))
    app = Client9449(calls, ("svc", "s"))
    with pytest.raises(InvalidDPoPProof, match="not enabled"):
        app.post({"grant_type": "client_credentials"}, proof=app.key.proof("POST", TOKEN_URL))
    assert app.post({"grant_type": "client_credentials"}, proof=None).token_type == "Bearer"
    with TestClient(world.service.http_app) as http:
        assert "dpop_signing_alg_values_supported" not in http.get("/.well-known/openid-configuration").json()


def test_nonces_off_a_first_proof_is_enough(world_factory) -> None:
    world = world_factory(DPOP_NONCE_REQUIRED=False)
    world.authorization.add_client(Client("svc", grant_types=("client_credentials",), scopes=("read",)), "s")
    app = Client9449(Calls(world, auth=("svc", "s")), ("svc", "s"))
    resp = app.post({"grant_type": "client_credentials"}, proof=app.key.proof("POST", TOKEN_URL))
    assert resp.token_type == "DPoP" and not resp.dpop_nonce

