"""The client credentials grant (RFC 6749 §4.4): confidential clients only, scopes within the
client's, no refresh token, no session, the client as subject."""

from __future__ import annotations

import pytest
from authgate_common.core.errors import InvalidClient, InvalidScope, UnauthorizedClient
from token_service.domain.ports import Client

SVC = ("svc", "svc-secret")


def _cc(calls, auth=SVC, **extra: str):
    return calls.token({"grant_type": "client_credentials", **extra}, auth)


def test_a_confidential_client_gets_an_access_token_for_itself(calls) -> None:
    resp = _cc(calls)
    body = resp.to_dict()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["scope"] == "read write"  # the default leaves out openid and profile
    claims = calls.world.service.validator.validate(resp.access_token, audience="https://api.example")
    assert claims["sub"] == "svc" and claims["client_id"] == "svc" and "sid" not in claims


def test_requested_scopes_must_be_the_clients(calls) -> None:
    assert _cc(calls, scope="read").scope == "read"
    with pytest.raises(InvalidScope):
        _cc(calls, scope="read admin")
    with pytest.raises(InvalidScope):
        _cc(calls, scope="openid read")


def test_a_client_without_user_free_scopes_gets_invalid_scope_by_default(calls) -> None:
    calls.world.authorization.add_client(Client("oidc-only", grant_types=("client_credentials",),
                                                scopes=("openid", "email")), "oidc-secret")
    with pytest.raises(InvalidScope):
        _cc(calls, auth=("oidc-only", "oidc-secret"))


def test_public_clients_and_clients_not_registered_for_it_are_refused(calls) -> None:
    calls.world.authorization.add_client(Client(
        "pub", client_type="public", token_endpoint_auth_method="none",
        grant_types=("client_credentials",), scopes=("read",)))
    with pytest.raises(UnauthorizedClient):
        _cc(calls, auth="pub")
    with pytest.raises(UnauthorizedClient):
        _cc(calls, auth=("app", "app-secret"))
    with pytest.raises(InvalidClient):
        _cc(calls, auth=("svc", "wrong"))
