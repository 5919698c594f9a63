"""The account API's scope and audience at issuance: `account` only for a first-party
client, whatever a code or refresh family carried; `aud` the client plus the API each
granted scope opens (RFC 9068 §2.2), always an array."""

from __future__ import annotations

import pytest
from authgate_common.core.errors import InvalidScope, InvalidToken
from token_service.domain.ports import Client

ACCOUNT_API = "https://auth.example/api/v1/account"
API = "urn:authgate:api"


@pytest.fixture
def clients(calls):
    az = calls.world.authorization
    az.add_client(Client("mine", grant_types=("authorization_code", "refresh_token", "client_credentials"),
                         scopes=("openid", "read", "account"), first_party=True), "mine-secret")
    # Registration refuses this (authorization service); the token service must not trust it.
    az.add_client(Client("theirs", grant_types=("authorization_code", "refresh_token"),
                         scopes=("openid", "read", "account")), "theirs-secret")
    return calls


def test_a_first_party_clients_account_token_is_for_the_account_api(clients) -> None:
    resp = clients.sign_in(("openid", "account"), client_id="mine", auth=("mine", "mine-secret"))
    assert resp.scope == "openid account"
    claims = clients.world.service.validator.validate(resp.access_token, ["account"], ACCOUNT_API)
    assert claims["aud"] == ["mine", ACCOUNT_API]
    with pytest.raises(InvalidToken):
        clients.world.service.validator.validate(resp.access_token, [], API)


def test_read_opens_the_resource_api_only(clients) -> None:
    resp = clients.sign_in(("openid", "read"), client_id="mine", auth=("mine", "mine-secret"))
    assert resp.claims["aud"] == ["mine", API]
    with pytest.raises(InvalidToken):
        clients.world.service.validator.validate(resp.access_token, [], ACCOUNT_API)


def test_a_third_party_client_never_gets_account_by_code_or_refresh(clients) -> None:
    auth = ("theirs", "theirs-secret")
    resp = clients.sign_in(("openid", "read", "account"), client_id="theirs", auth=auth)
    assert resp.scope == "openid read" and ACCOUNT_API not in resp.claims["aud"]
    again = clients.refresh(resp.refresh_token, auth=auth)
    assert again.scope == "openid read" and ACCOUNT_API not in again.claims["aud"]


def test_client_credentials_never_carries_account(clients) -> None:
    auth = ("mine", "mine-secret")
    assert clients.token({"grant_type": "client_credentials"}, auth).scope == "read"
    with pytest.raises(InvalidScope):
        clients.token({"grant_type": "client_credentials", "scope": "account"}, auth)
