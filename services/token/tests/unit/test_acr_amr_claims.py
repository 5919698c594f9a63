"""How the user signed in, in every token of a user grant: `acr` and `amr` in the ID token
(OIDC Core §2) and the access token (RFC 9068 §2.2.1), kept across refresh (OIDC Core
§12.2), in introspection (RFC 7662 §2.2) and ValidateToken; none in a client's own token.
Discovery lists acr_values_supported."""

from __future__ import annotations

import base64
import json
import secrets

import pytest
from authgate_common.core.acr import ACR_MFA, ACR_PASSWORD, ACR_VALUES_SUPPORTED
from fastapi.testclient import TestClient
from token_fakes import CODE_REDIRECT, grant
from token_service.entrypoints.grpc_api import _response

STEPPED_UP = ("pwd", "otp", "mfa")


def payload(jwt: str) -> dict:
    body = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def signed_in(calls, amr: tuple[str, ...]):
    code = "code-" + secrets.token_hex(6)
    calls.world.authorization.add_code(code, grant(code + "-grant", ("openid", "read"), "app", amr=amr),
                                       CODE_REDIRECT)
    return calls.exchange(code)


@pytest.mark.parametrize("amr, acr", [(("pwd",), ACR_PASSWORD), (STEPPED_UP, ACR_MFA)])
def test_id_and_access_tokens_say_how_the_user_signed_in(calls, amr, acr) -> None:
    tokens = signed_in(calls, amr)
    for claims in (payload(tokens.id_token), payload(tokens.access_token)):
        assert (claims["acr"], claims["amr"]) == (acr, list(amr))


def test_refreshed_tokens_keep_the_original_sign_in(calls) -> None:
    first = signed_in(calls, STEPPED_UP)
    again = calls.refresh(first.refresh_token)
    again = calls.refresh(again.refresh_token)
    for claims in (payload(again.id_token), payload(again.access_token)):
        assert (claims["acr"], claims["amr"]) == (ACR_MFA, list(STEPPED_UP))
    assert payload(again.id_token)["auth_time"] == payload(first.id_token)["auth_time"]


def test_introspection_describes_acr_and_amr_of_both_kinds_of_token(calls) -> None:
    tokens = signed_in(calls, STEPPED_UP)
    for token in (tokens.access_token, tokens.refresh_token):
        body = calls.introspect(token)
        assert (body["active"], body["acr"], body["amr"]) == (True, ACR_MFA, list(STEPPED_UP))


def test_validate_token_answers_acr_and_amr(calls) -> None:
    tokens = signed_in(calls, STEPPED_UP)
    response = _response(calls.world.service.validator.validate(tokens.access_token))
    assert (response.acr, list(response.amr)) == (ACR_MFA, list(STEPPED_UP))
    assert json.loads(response.claims_json)["acr"] == ACR_MFA


def test_a_clients_own_token_has_no_sign_in_behind_it(calls) -> None:
    token = calls.token({"grant_type": "client_credentials"}, ("svc", "svc-secret")).access_token
    claims = payload(token)
    assert "acr" not in claims and "amr" not in claims
    response = _response(calls.world.service.validator.validate(token))
    assert (response.acr, list(response.amr)) == ("", [])
    body = calls.introspect(token, auth=("svc", "svc-secret"))
    assert "acr" not in body and "amr" not in body


def test_discovery_lists_the_acr_values_and_the_claims(world) -> None:
    with TestClient(world.service.http_app) as http:
        doc = http.get("/.well-known/openid-configuration").json()
    assert doc["acr_values_supported"] == list(ACR_VALUES_SUPPORTED)
    assert {"acr", "amr", "auth_time"} <= set(doc["claims_supported"])
