"""/api/v1/admin/clients and /api/v1/admin/consents on PostgreSQL through the real HTTP
app, bearer tokens checked by a stand-in validator: RFC 6750 refusals, RFC 9457 problems,
a secret shown once, paging, ETag/If-Match, admin clients left to the operator, and every
change audited with the acting client."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from admin_fakes import FakeTokens
from authorization_service.adapters.unit_of_work import SqlUnitOfWork
from authorization_service.bootstrap import AuthorizationService, build, engine_for
from authorization_service.domain.models import Client
from fastapi.testclient import TestClient
from sqlalchemy import text

CLIENTS, CONSENTS = "/api/v1/admin/clients", "/api/v1/admin/consents"
PROBLEM = "application/problem+json"
REDIRECT = "https://app.example/cb"


class _NoSessions:
    def validate(self, session_token: str) -> None:
        return None


@dataclass
class Admin:
    service: AuthorizationService
    http: TestClient
    tokens: FakeTokens
    headers: dict[str, str]
    engine: object

    def audit(self, type_: str, client_id: str) -> list[dict]:
        with self.engine.connect() as conn:  # type: ignore[attr-defined]
            rows = conn.execute(text("SELECT type, actor, client_id, subject FROM audit_events "
                                     "WHERE type = :t AND client_id = :c"), {"t": type_, "c": client_id})
            return [dict(r._mapping) for r in rows]


@pytest.fixture(scope="module")
def admin(harness) -> Iterator[Admin]:
    engine = engine_for(harness.settings)
    tokens = FakeTokens()
    service = build(harness.settings, uow=SqlUnitOfWork(engine), sessions=_NoSessions(), tokens=tokens)
    audience = f"{harness.settings.issuer}/api/v1/admin"
    headers = {"Authorization": "Bearer " + tokens.add("ops-bot", "admin:clients admin:consents", audience)}
    with TestClient(service.http_app) as http:
        yield Admin(service, http, tokens, headers, engine)
    engine.dispose()


def _id() -> str:
    return "adm-" + secrets.token_hex(5)


def _create(admin: Admin, **extra: object):
    body = {"client_id": _id(), "redirect_uris": [REDIRECT], "scopes": ["openid", "read"], **extra}
    resp = admin.http.post(CLIENTS, json=body, headers=admin.headers)
    assert resp.status_code == 201, resp.text
    return resp


def _problem(resp, status: int, error: str) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == PROBLEM
    body = resp.json()
    assert (body["status"], body["error"]) == (status, error)
    return body


def test_no_token_is_401_a_bad_one_401_the_wrong_scope_or_audience_403(admin) -> None:
    some = _id()
    for method, path in [("GET", CLIENTS), ("POST", CLIENTS), ("PATCH", f"{CLIENTS}/{some}"),
                         ("POST", f"{CLIENTS}/{some}/secret"), ("DELETE", f"{CLIENTS}/{some}"),
                         ("GET", f"{CONSENTS}?user_id=x"), ("DELETE", f"{CONSENTS}/u/c")]:
        resp = admin.http.request(method, path, content=b"{not json", headers={"content-type": "text/x"})
        _problem(resp, 401, "invalid_token")
        assert resp.headers["www-authenticate"] == 'Bearer realm="authgate"'
    _problem(admin.http.get(CLIENTS, headers={"Authorization": "Bearer forged"}), 401, "invalid_token")
    api = "https://auth.example/api/v1/admin"
    for scopes, audience, path in [("admin:users", api, CLIENTS),
                                   ("admin:clients", "urn:authgate:api", CLIENTS),
                                   ("admin:clients", api, f"{CONSENTS}?user_id={uuid.uuid4()}")]:
        token = admin.tokens.add("b", scopes, audience)
        resp = admin.http.get(path, headers={"Authorization": f"Bearer {token}"})
        _problem(resp, 403, "insufficient_scope")


def test_create_shows_the_secret_once_then_read_with_etag(admin) -> None:
    created = _create(admin, name="Shop")
    body = created.json()
    cid = body["client_id"]
    assert created.headers["location"] == f"{CLIENTS}/{cid}" and created.headers["etag"] == '"1"'
    assert len(body["client_secret"]) >= 32 and body["admin"] is False
    assert body["client_type"] == "confidential"
    got = admin.http.get(f"{CLIENTS}/{cid}", headers=admin.headers)
    assert got.status_code == 200 and got.headers["etag"] == '"1"' and "client_secret" not in got.json()
    assert got.headers["cache-control"] == "no-store"
    assert admin.audit("admin.client.created", cid) == [
        {"type": "admin.client.created", "actor": "client:ops-bot", "client_id": cid, "subject": ""}]


def test_bad_input_is_a_400_409_or_415_problem(admin) -> None:
    taken = _create(admin).json()["client_id"]
    _problem(admin.http.post(CLIENTS, json={"client_id": taken, "redirect_uris": [REDIRECT]},
                             headers=admin.headers), 409, "already_exists")
    for bad in [{"client_id": _id(), "redirect_uris": [REDIRECT], "admin": True},
                {"client_id": _id(), "redirect_uris": ["http://evil.example/cb"]},
                {"client_id": _id(), "grant_types": ["client_credentials"], "scopes": ["admin:users"]},
                {"client_id": "has space"}, {"client_id": 5}, [1]]:
        _problem(admin.http.post(CLIENTS, json=bad, headers=admin.headers), 400, "invalid_request")
    _problem(admin.http.post(CLIENTS, data={"client_id": "x"}, headers=admin.headers), 415, "invalid_request")
    for query in ("limit=0", "limit=999", "cursor=bm90LWEtY3Vyc29y", "client_type=robot", "admin=maybe"):
        _problem(admin.http.get(f"{CLIENTS}?{query}", headers=admin.headers), 400, "invalid_request")
    _problem(admin.http.get(f"{CLIENTS}/{_id()}", headers=admin.headers), 404, "not_found")


def test_patch_needs_if_match_and_bumps_the_etag(admin) -> None:
    cid = _create(admin).json()["client_id"]
    url = f"{CLIENTS}/{cid}"
    patch = {**admin.headers, "content-type": "application/merge-patch+json"}
    _problem(admin.http.patch(url, content=b'{"name": "New"}', headers=patch), 428, "precondition_required")
    _problem(admin.http.patch(url, content=b'{"name": "New"}', headers={**patch, "If-Match": '"7"'}),
             412, "precondition_failed")
    _problem(admin.http.patch(url, content=b'{"admin": true}', headers={**patch, "If-Match": '"1"'}),
             400, "invalid_request")
    change = b'{"name": "New", "scopes": ["openid"], "backchannel_logout_uri": null}'
    resp = admin.http.patch(url, content=change, headers={**patch, "If-Match": '"1"'})
    assert resp.status_code == 200, resp.text
    assert resp.headers["etag"] == '"2"'
    assert (resp.json()["name"], resp.json()["scopes"]) == ("New", ["openid"])
    rotated = admin.http.post(f"{url}/secret", headers={**admin.headers, "If-Match": '"2"'})
    assert rotated.status_code == 200 and rotated.headers["etag"] == '"3"' and rotated.json()["client_secret"]
    _problem(admin.http.delete(url, headers={**admin.headers, "If-Match": '"2"'}), 412, "precondition_failed")
    assert admin.http.delete(url, headers={**admin.headers, "If-Match": '"3"'}).status_code == 204
    _problem(admin.http.get(url, headers=admin.headers), 404, "not_found")
    assert [e["actor"] for e in admin.audit("admin.client.deleted", cid)] == ["client:ops-bot"]


def test_an_admin_client_is_listed_but_left_to_the_operator(admin) -> None:
    cid = _id()
    admin.service.registry.create(Client(client_id=cid, admin=True, scopes=("admin:users",),
                                         grant_types=("client_credentials",)))
    listed = admin.http.get(CLIENTS, params={"admin": "true", "limit": 200}, headers=admin.headers).json()
    assert cid in [c["client_id"] for c in listed["clients"]] and all(c["admin"] for c in listed["clients"])
    url, any_ = f"{CLIENTS}/{cid}", {**admin.headers, "If-Match": "*"}
    _problem(admin.http.patch(url, json={"name": "x"}, headers=any_), 403, "access_denied")
    _problem(admin.http.post(f"{url}/secret", headers=admin.headers), 403, "access_denied")
    _problem(admin.http.delete(url, headers=admin.headers), 403, "access_denied")


def test_pages_chain_by_link_over_every_client_once(admin) -> None:
    mine = [_create(admin).json()["client_id"] for _ in range(3)]
    seen, url = [], f"{CLIENTS}?limit=2"
    while url:
        resp = admin.http.get(url, headers=admin.headers)
        assert resp.status_code == 200, resp.text
        seen += [c["client_id"] for c in resp.json()["clients"]]
        url = resp.headers.get("link", "").partition(">")[0].lstrip("<")
    assert len(seen) == len(set(seen)) and [c for c in seen if c in mine] == mine


def test_consents_listed_and_withdrawn_one_or_all(admin) -> None:
    user, web, app = str(uuid.uuid4()), _create(admin).json()["client_id"], _create(admin).json()["client_id"]
    for cid in (web, app):
        admin.service.consents.grant(user, cid, ("openid", "read"))
    listed = admin.http.get(CONSENTS, params={"user_id": user}, headers=admin.headers)
    assert listed.status_code == 200, listed.text
    assert sorted(c["client_id"] for c in listed.json()["consents"]) == sorted([web, app])
    assert admin.http.delete(f"{CONSENTS}/{user}/{web}", headers=admin.headers).status_code == 204
    _problem(admin.http.delete(f"{CONSENTS}/{user}/{web}", headers=admin.headers), 404, "not_found")
    assert not admin.service.consents.covers(user, web, ("openid",))
    every = admin.http.delete(f"{CONSENTS}/{user}", headers=admin.headers)
    assert every.status_code == 200 and every.json() == {"user_id": user, "withdrawn": [app]}
    assert admin.audit("admin.consent.withdrawn", web)[0]["actor"] == "client:ops-bot"
    assert admin.audit("admin.consent.withdrawn", web)[0]["subject"] == user
    for bad in (f"{CONSENTS}?user_id=nope", CONSENTS):
        _problem(admin.http.get(bad, headers=admin.headers), 400, "invalid_request")


def test_require_mfa_is_created_read_and_patched(admin) -> None:
    body = _create(admin, require_mfa=True).json()
    assert body["require_mfa"] is True
    url = f"{CLIENTS}/{body['client_id']}"
    patch = {**admin.headers, "content-type": "application/merge-patch+json", "If-Match": '"1"'}
    _problem(admin.http.patch(url, content=b'{"require_mfa": null}', headers=patch), 400, "invalid_request")
    resp = admin.http.patch(url, content=b'{"require_mfa": false}', headers=patch)
    assert resp.status_code == 200, resp.text
    assert admin.http.get(url, headers=admin.headers).json()["require_mfa"] is False
    assert _create(admin).json()["require_mfa"] is False


def test_dpop_binding_and_token_exchange_policy_are_created_read_and_patched(admin) -> None:
    exchange = "urn:ietf:params:oauth:grant-type:token-exchange"
    body = _create(admin, grant_types=["authorization_code", exchange], dpop_bound_access_tokens=True,
                   token_exchange_delegation=True,
                   token_exchange_subject_audiences=["https://api.example/orders"]).json()
    assert (body["dpop_bound_access_tokens"], body["token_exchange_delegation"],
            body["token_exchange_impersonation"]) == (True, True, False)
    assert body["token_exchange_subject_audiences"] == ["https://api.example/orders"]
    url = f"{CLIENTS}/{body['client_id']}"
    patch = {**admin.headers, "content-type": "application/merge-patch+json", "If-Match": '"1"'}
    _problem(admin.http.patch(url, content=b'{"dpop_bound_access_tokens": null}', headers=patch),
             400, "invalid_request")
    # The rules hold through the admin API: a policy needs the grant type.
    _problem(admin.http.patch(url, content=b'{"grant_types": ["authorization_code"]}', headers=patch),
             400, "invalid_request")
    resp = admin.http.patch(url, content=b'{"dpop_bound_access_tokens": false, '
                            b'"token_exchange_subject_audiences": null}', headers=patch)
    assert resp.status_code == 200, resp.text
    got = admin.http.get(url, headers=admin.headers).json()
    assert got["dpop_bound_access_tokens"] is False and got["token_exchange_subject_audiences"] == []
    plain = _create(admin).json()
    assert (plain["dpop_bound_access_tokens"], plain["token_exchange_impersonation"],
            plain["token_exchange_delegation"], plain["token_exchange_subject_audiences"]) == (
        False, False, False, [])
