"""The admin API's scopes at issuance: only an admin client obtains one, by
client_credentials only, and its token names the admin API in `aud` (RFC 9068 §2.2); a
non-admin client asking for one is refused (RFC 6749 §5.2 invalid_scope), and the code and
refresh grants never carry one on, whatever reached them."""

from __future__ import annotations

import pytest
from authgate_common.core.admin_scope import admin_audience
from authgate_common.core.errors import InvalidScope, InvalidToken
from token_fakes import ISSUER
from token_service.domain.audiences import AudienceRule, grantable
from token_service.domain.ports import Client
from token_service.domain.scopes import FixedCatalog

ADMIN_API = "https://auth.example/api/v1/admin"
API = "urn:authgate:api"
EVERY_GRANT = ("authorization_code", "refresh_token", "client_credentials")


@pytest.fixture
def clients(calls):
    az = calls.world.authorization
    az.add_client(Client("ops", grant_types=EVERY_GRANT, admin=True,
                         scopes=("openid", "read", "admin:users", "admin:audit")), "ops-secret")
    # Registration refuses this (authorization service); the token service must not trust it.
    az.add_client(Client("plain", grant_types=EVERY_GRANT, scopes=("openid", "read", "admin:users")),
                  "plain-secret")
    return calls


def test_the_admin_audience_follows_the_issuer() -> None:
    assert admin_audience(ISSUER) == admin_audience(ISSUER + "/") == ADMIN_API


def test_an_admin_client_gets_an_admin_token_for_the_admin_api(clients) -> None:
    resp = clients.token({"grant_type": "client_credentials", "scope": "admin:users"}, ("ops", "ops-secret"))
    assert resp.scope == "admin:users" and resp.refresh_token is None
    claims = clients.world.service.validator.validate(resp.access_token, ["admin:users"], ADMIN_API)
    assert claims["aud"] == ["ops", ADMIN_API] and claims["sub"] == "ops"
    with pytest.raises(InvalidToken):
        clients.world.service.validator.validate(resp.access_token, [], API)


def test_an_admin_clients_default_scopes_include_its_admin_scopes(clients) -> None:
    resp = clients.token({"grant_type": "client_credentials"}, ("ops", "ops-secret"))
    assert resp.scope == "read admin:users admin:audit"
    assert resp.claims["aud"] == ["ops", API, ADMIN_API]


def test_a_token_without_an_admin_scope_is_not_for_the_admin_api(clients) -> None:
    resp = clients.token({"grant_type": "client_credentials", "scope": "read"}, ("ops", "ops-secret"))
    assert resp.claims["aud"] == ["ops", API]


@pytest.mark.parametrize("scope", ["admin:users", "read admin:users"])
def test_a_non_admin_client_asking_an_admin_scope_is_refused_not_narrowed(clients, scope) -> None:
    with pytest.raises(InvalidScope) as refused:
        clients.token({"grant_type": "client_credentials", "scope": scope}, ("plain", "plain-secret"))
    assert refused.value.error == "invalid_scope"


def test_a_non_admin_clients_default_scopes_drop_the_admin_scope(clients) -> None:
    resp = clients.token({"grant_type": "client_credentials"}, ("plain", "plain-secret"))
    assert resp.scope == "read" and ADMIN_API not in resp.claims["aud"]


@pytest.mark.parametrize("client_id", ["ops", "plain"])
def test_the_code_and_refresh_grants_never_carry_an_admin_scope(clients, client_id) -> None:
    auth = (client_id, f"{client_id}-secret")
    resp = clients.sign_in(("openid", "read", "admin:users"), client_id=client_id, auth=auth)
    assert resp.scope == "openid read" and ADMIN_API not in resp.claims["aud"]
    again = clients.refresh(resp.refresh_token, auth=auth)
    assert again.scope == "openid read" and ADMIN_API not in again.claims["aud"]


def test_grantable_keeps_admin_scopes_only_for_an_admin_client_without_a_user() -> None:
    admin, plain = Client("ops", admin=True), Client("plain")
    wanted = ["read", "admin:users", "admin:keys"]
    assert grantable(admin, wanted, for_user=False) == wanted
    assert grantable(admin, wanted, for_user=True) == ["read"]
    assert grantable(plain, wanted, for_user=False) == ["read"]


def test_every_admin_scope_opens_the_admin_api() -> None:
    rule = AudienceRule(ISSUER + "/", FixedCatalog())
    for scope in ("admin:users", "admin:clients", "admin:sessions", "admin:keys", "admin:audit",
                  "admin:consents"):
        assert rule.audiences(Client("ops", admin=True), [scope]) == ["ops", ADMIN_API]
    # The legacy `admin` scope is a resource-API scope, not the admin API's.
    assert rule.audiences(Client("ops"), ["admin"]) == ["ops", API]
