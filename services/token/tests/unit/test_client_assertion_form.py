"""private_key_jwt at /token, /introspect and /revoke (RFC 7523 §2.2, RFC 7521 §4.2): the
form carries client_assertion_type + client_assertion, handed to the authorization service
(the fake accepts "good:<client_id>"); using it with another method is invalid_request."""

from __future__ import annotations

import base64
import urllib.parse

import pytest
from authgate_common.core.errors import InvalidClient, InvalidRequest
from token_service.domain.clients.authentication import read_credentials
from token_service.entrypoints.form_request import form_request

FORM = "application/x-www-form-urlencoded"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def form(params: dict[str, str]) -> bytes:
    return urllib.parse.urlencode(params).encode()


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def assertion_form(assertion: str = "good:svc", **extra: str) -> dict[str, str]:
    return {"grant_type": "client_credentials", "client_assertion_type": JWT_BEARER,
            "client_assertion": assertion, **extra}


def test_client_credentials_with_an_assertion(calls) -> None:
    endpoint = calls.world.service.token_endpoint
    resp = endpoint.handle(form_request(FORM, form(assertion_form()), None))
    claims = calls.world.service.validator.validate(resp.access_token, audience="https://api.example")
    assert claims["client_id"] == "svc"


def test_a_bad_assertion_is_invalid_client(calls) -> None:
    with pytest.raises(InvalidClient):
        calls.world.service.token_endpoint.handle(form_request(FORM, form(assertion_form("forged")), None))


@pytest.mark.parametrize("extra", [{"client_secret": "svc-secret"}])
def test_assertion_with_a_secret_in_the_form_is_invalid_request(calls, extra) -> None:
    with pytest.raises(InvalidRequest):
        calls.world.service.token_endpoint.handle(form_request(FORM, form(assertion_form(**extra)), None))


def test_assertion_with_basic_is_invalid_request(calls) -> None:
    with pytest.raises(InvalidRequest):
        calls.world.service.token_endpoint.handle(
            form_request(FORM, form(assertion_form()), basic("svc", "svc-secret")))


@pytest.mark.parametrize("params", [{"client_assertion": "good:svc"}, {"client_assertion_type": JWT_BEARER},
                                    {"client_assertion_type": JWT_BEARER, "client_assertion": ""}])
def test_half_an_assertion_is_invalid_request(params) -> None:
    with pytest.raises(InvalidRequest):
        read_credentials({"client_id": "svc", **params}, None)


def test_introspection_and_revocation_take_an_assertion(calls) -> None:
    endpoint = calls.world.service.token_endpoint
    token = endpoint.handle(form_request(FORM, form(assertion_form()), None)).access_token
    auth = {"client_assertion_type": JWT_BEARER, "client_assertion": "good:svc"}
    introspect = calls.world.service.introspection.handle
    described = introspect(form_request(FORM, form({"token": token, **auth}), None))
    assert described["active"] is True and described["client_id"] == "svc"
    calls.world.service.revocation.handle(form_request(FORM, form({"token": token, **auth}), None))
    assert introspect(form_request(FORM, form({"token": token, **auth}), None)) == {
        "active": False}
