"""Dynamic client registration (RFC 7591 §3) and its management (RFC 7592 §2) over HTTP
on fakes: initial access tokens spent once per registration, metadata checked by the
registry's rules (invalid_client_metadata / invalid_redirect_uri), a registered client never
first-party nor admin, the registration access token guarding read/update/delete, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from authgate_common.core.crypto import derive_key
from authorization_fakes import ISSUER
from authorization_service.domain.dcr.initial_tokens import InitialTokens
from dcr_fakes import dcr_core
from fastapi.testclient import TestClient

REGISTER = "/api/v1/oauth/register"
APP = {"redirect_uris": ["https://app.example/cb"], "client_name": "App", "scope": "openid profile",
       "grant_types": ["authorization_code", "refresh_token"]}


class Dcr:
    def __init__(self, core, **settings) -> None:
        self.core = core
        service, self.uow = dcr_core(core, **settings)
        self.http = TestClient(service.http_app)
        key = derive_key("k" * 40, "authorization/initial-access-token")
        self.initial = InitialTokens(self.uow, key, core.clock)

    def token(self, uses: int = 1, ttl: timedelta | None = None) -> str:
        return self.initial.mint(ttl, uses).token

    def register(self, meta: dict | None = None, token: str | None = None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.http.post(REGISTER, json=APP if meta is None else meta, headers=headers)


@pytest.fixture
def dcr(core) -> Dcr:
    return Dcr(core)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_registration_with_an_initial_access_token_returns_the_client_and_its_credentials(dcr, core):
    answer = dcr.register(token=dcr.token())
    assert answer.status_code == 201 and answer.headers["cache-control"] == "no-store"
    body = answer.json()
    client_id = body["client_id"]
    assert body["client_secret"] and body["client_secret_expires_at"] == 0
    assert body["registration_client_uri"] == f"{ISSUER}{REGISTER}/{client_id}"
    assert body["registration_access_token"] and body["client_id_issued_at"] > 0
    assert body["response_types"] == ["code"] and body["scope"] == "openid profile"
    assert body["token_endpoint_auth_method"] == "client_secret_basic"
    stored = core.uow.repos.clients.rows[client_id]
    assert not stored.first_party and not stored.admin and stored.name == "App"
    [event] = [e for e in core.uow.repos.audit.events if e.type == "client.registered"]
    assert (event.actor, event.client_id) == ("dcr", client_id)
    # the token authenticates the client like any other
    assert core.service.registry.authenticate(client_id, body["client_secret"]).client_id == client_id


def test_a_public_client_gets_no_secret_and_the_default_scopes(dcr):
    body = dcr.register({"redirect_uris": ["http://127.0.0.1:8000/cb"], "token_endpoint_auth_method": "none"},
                        dcr.token()).json()
    assert "client_secret" not in body and body["scope"] == "openid profile email"


@pytest.mark.parametrize("case", ["none", "unknown", "used_up", "expired"])
def test_a_missing_unknown_used_up_or_expired_initial_access_token_is_invalid_token(dcr, core, case):
    token = dcr.token(ttl=timedelta(minutes=5))
    if case == "used_up":
        assert dcr.register(token=token).status_code == 201
    if case == "expired":
        core.clock.advance(301)
    answer = dcr.register(token={"none": None, "unknown": "x" * 43}.get(case, token))
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_token"
    assert answer.headers["www-authenticate"].startswith("Bearer")


def test_a_token_with_several_uses_registers_that_many_clients(dcr):
    token = dcr.token(uses=2)
    assert [dcr.register(token=token).status_code for _ in range(3)] == [201, 201, 401]


def test_open_registration_needs_no_token_and_off_means_404(core):
    assert Dcr(core, DCR_OPEN_REGISTRATION=True).register().status_code == 201
    assert Dcr(core, DCR_ENABLED=False).register().status_code == 404


@pytest.mark.parametrize(("meta", "error"), [
    ({**APP, "redirect_uris": ["http://app.example/cb"]}, "invalid_redirect_uri"),
    ({**APP, "redirect_uris": ["https://app.example/cb#x"]}, "invalid_redirect_uri"),
    ({**APP, "redirect_uris": "https://app.example/cb"}, "invalid_client_metadata"),
    ({**APP, "redirect_uris": []}, "invalid_client_metadata"),
    ({**APP, "scope": "openid admin:users"}, "invalid_client_metadata"),
    ({**APP, "scope": "openid account"}, "invalid_client_metadata"),
    ({**APP, "response_types": ["token"]}, "invalid_client_metadata"),
    ({**APP, "grant_types": ["client_credentials"], "response_types": ["code"]}, "invalid_client_metadata"),
    ({**APP, "token_endpoint_auth_method": "none", "grant_types": ["client_credentials"],
      "response_types": []}, "invalid_client_metadata"),
    ({**APP, "token_endpoint_auth_method": "tls_client_auth"}, "invalid_client_metadata"),
    ({**APP, "jwks_uri": "https://app.example/jwks"}, "invalid_client_metadata"),
    ({**APP, "token_endpoint_auth_method": "private_key_jwt"}, "invalid_client_metadata"),
])
def test_bad_metadata_is_refused_and_spends_no_use_of_the_token(dcr, meta, error):
    token = dcr.token()
    answer = dcr.register(meta, token)
    assert (answer.status_code, answer.json()["error"]) == (400, error)
    assert dcr.register(token=token).status_code == 201


def test_a_body_that_is_not_a_json_object_is_invalid_client_metadata(dcr):
    answer = dcr.http.post(REGISTER, content=b"[1]", headers=_bearer(dcr.token()))
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_client_metadata")


def test_read_update_delete_with_the_registration_access_token(dcr, core):
    body = dcr.register(token=dcr.token()).json()
    uri, rat, client_id = body["registration_client_uri"].removeprefix(ISSUER), \
        body["registration_access_token"], body["client_id"]
    read = dcr.http.get(uri, headers=_bearer(rat))
    assert read.status_code == 200 and read.json()["client_name"] == "App"
    assert "client_secret" not in read.json() and read.json()["registration_access_token"] == rat
    changed = {**APP, "client_id": client_id, "client_name": "App 2",
               "redirect_uris": ["https://app.example/cb2"]}
    put = dcr.http.put(uri, json=changed, headers=_bearer(rat))
    assert put.status_code == 200 and put.json()["redirect_uris"] == ["https://app.example/cb2"]
    assert core.uow.repos.clients.rows[client_id].name == "App 2"
    [event] = [e for e in core.uow.repos.audit.events if e.type == "client.changed"]
    assert event.actor == "dcr" and set(event.details["fields"]) == {"name", "redirect_uris"}
    assert dcr.http.delete(uri, headers=_bearer(rat)).status_code == 204
    assert client_id not in core.uow.repos.clients.rows
    assert dcr.http.get(uri, headers=_bearer(rat)).status_code == 401


def test_management_refuses_wrong_tokens_other_clients_and_changes_of_identity(dcr, core):
    first = dcr.register(token=dcr.token()).json()
    second = dcr.register(token=dcr.token()).json()
    uri = first["registration_client_uri"].removeprefix(ISSUER)
    for headers in ({}, _bearer("nope"), _bearer(second["registration_access_token"])):
        answer = dcr.http.get(uri, headers=headers)
        assert (answer.status_code, answer.json()["error"]) == (401, "invalid_token")
    core.register("operator-made")  # an operator's client is not managed here, whatever the token
    assert dcr.http.get(f"{REGISTER}/operator-made",
                        headers=_bearer(first["registration_access_token"])).status_code == 401
    rat = _bearer(first["registration_access_token"])
    for change in ({**APP, "client_id": "other"}, {**APP, "client_id": first["client_id"],
                                                   "token_endpoint_auth_method": "none"},
                   {**APP, "client_id": first["client_id"], "client_secret": "wrong" * 10},
                   {**APP, "client_id": first["client_id"], "scope": "openid admin:clients"}):
        answer = dcr.http.put(uri, json=change, headers=rat)
        assert (answer.status_code, answer.json()["error"]) == (400, "invalid_client_metadata")
    ok = {**APP, "client_id": first["client_id"], "client_secret": first["client_secret"]}
    assert dcr.http.put(uri, json=ok, headers=rat).status_code == 200


def test_a_client_the_operator_took_over_is_not_managed_here(dcr, core):
    body = dcr.register(token=dcr.token()).json()
    core.service.updates.update(body["client_id"], {"first_party": True})
    answer = dcr.http.get(body["registration_client_uri"].removeprefix(ISSUER),
                          headers=_bearer(body["registration_access_token"]))
    assert answer.status_code == 403


EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


def test_dpop_bound_access_tokens_is_registered_read_back_and_updated(dcr, core):
    body = dcr.register({**APP, "dpop_bound_access_tokens": True}, dcr.token()).json()
    client_id, rat = body["client_id"], _bearer(body["registration_access_token"])
    assert body["dpop_bound_access_tokens"] is True  # RFC 9449 §5.2, RFC 7591 §3.2.1
    assert core.uow.repos.clients.rows[client_id].dpop_bound_access_tokens
    uri = body["registration_client_uri"].removeprefix(ISSUER)
    put = dcr.http.put(uri, json={**APP, "client_id": client_id}, headers=rat)  # omitted: false
    assert put.status_code == 200 and put.json()["dpop_bound_access_tokens"] is False
    assert dcr.register(token=dcr.token()).json()["dpop_bound_access_tokens"] is False
    answer = dcr.register({**APP, "dpop_bound_access_tokens": "yes"}, dcr.token())
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_client_metadata")


def test_the_token_exchange_policy_is_the_operators_alone(dcr, core):
    meta = {**APP, "grant_types": ["authorization_code", EXCHANGE], "token_exchange_impersonation": True,
            "token_exchange_delegation": True, "token_exchange_subject_audiences": ["https://api.example"]}
    body = dcr.register(meta, dcr.token()).json()
    stored = core.uow.repos.clients.rows[body["client_id"]]
    assert EXCHANGE in stored.grant_types  # the grant type alone does nothing
    assert not stored.token_exchange_impersonation and not stored.token_exchange_delegation
    assert stored.token_exchange_subject_audiences == ()
    assert not any(k.startswith("token_exchange") for k in body)
    core.service.updates.update(body["client_id"], {"token_exchange_delegation": True})
    uri = body["registration_client_uri"].removeprefix(ISSUER)
    rat = _bearer(body["registration_access_token"])
    put = dcr.http.put(uri, json={**meta, "client_id": body["client_id"], "token_exchange_delegation": False},
                       headers=rat)
    assert put.status_code == 200
    assert core.uow.repos.clients.rows[body["client_id"]].token_exchange_delegation  # kept
    public = {**meta, "token_endpoint_auth_method": "none"}
    answer = dcr.register(public, dcr.token())
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_client_metadata")
