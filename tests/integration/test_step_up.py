"""Step-up policy and the acr/amr claims through the gateway (OIDC Core §2, §3.1.2.1,
§3.1.2.6; RFC 8176; RFC 9068 §2.2.1; RFC 9470): a client registered with --require-mfa,
or a request with acr_values=urn:authgate:acr:mfa, sends a password-only session back to
the login page with the `acr` hint; prompt=none gets interaction_required; a password
sign-in's tokens say amr ["pwd"], acr urn:authgate:acr:pwd in the ID token, introspection
and ValidateToken. (The second factor itself, through the browser: test_totp.py.)"""

from __future__ import annotations

import base64
import json
import urllib.parse

import httpx
import pytest
from authgate.token.v1 import token_pb2, token_pb2_grpc
from flowkit import AppClient, Flow, pkce_pair

ACR_PWD, ACR_MFA = "urn:authgate:acr:pwd", "urn:authgate:acr:mfa"
LOGIN = "/api/v1/sso/login"


def query(location: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


def payload(jwt: str) -> dict:
    body = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def step_up_hint(resp: httpx.Response) -> dict[str, str]:
    """The login URL /authorize answered with: its query (return_to, acr)."""
    assert resp.status_code == 302, resp.text
    location = resp.headers["location"]
    assert urllib.parse.urlsplit(location).path == LOGIN, location
    return query(location)


@pytest.fixture(scope="module")
def strict(flow: Flow) -> AppClient:
    return flow.client("--require-mfa")


def test_discovery_lists_the_acr_values(flow: Flow) -> None:
    with httpx.Client(base_url=flow.base, timeout=30) as app:
        doc = app.get("/.well-known/openid-configuration").json()
    assert doc["acr_values_supported"] == [ACR_PWD, ACR_MFA]
    assert {"acr", "amr", "auth_time"} <= set(doc["claims_supported"])


def test_a_require_mfa_client_sends_a_password_session_to_the_login_page(flow: Flow, strict) -> None:
    with flow.browser() as browser:
        flow.login(browser, flow.user())
        resp = flow.authorize(browser, strict, challenge=pkce_pair()[1], state="keep")
        hint = step_up_hint(resp)
        assert hint["acr"] == ACR_MFA
        back = query(hint["return_to"])
        assert urllib.parse.urlsplit(hint["return_to"]).path == "/api/v1/oauth/authorize"
        assert (back["client_id"], back["state"]) == (strict.client_id, "keep")
        # Coming back still with one factor asks again: the hint proves nothing by itself.
        again = browser.get(hint["return_to"])
        assert step_up_hint(again)["acr"] == ACR_MFA


def test_acr_values_mfa_asks_the_same_of_any_client(flow: Flow) -> None:
    client = flow.client()
    with flow.browser() as browser:
        flow.login(browser, flow.user())
        resp = flow.authorize(browser, client, challenge=pkce_pair()[1], acr_values=ACR_MFA)
        hint = step_up_hint(resp)
        assert hint["acr"] == ACR_MFA and query(hint["return_to"])["acr_values"] == ACR_MFA


def test_without_a_session_the_login_url_already_asks_for_two_factors(flow: Flow, strict) -> None:
    with flow.browser() as browser:
        hint = step_up_hint(flow.authorize(browser, strict, challenge=pkce_pair()[1]))
    assert hint["acr"] == ACR_MFA


@pytest.mark.parametrize("params", [{}, {"acr_values": ACR_MFA}])
def test_prompt_none_is_interaction_required_at_the_redirect_uri(flow: Flow, strict, params) -> None:
    client = strict if not params else flow.client()
    with flow.browser() as browser:
        flow.login(browser, flow.user())
        resp = flow.authorize(browser, client, challenge=pkce_pair()[1], prompt="none", **params)
    assert resp.status_code == 302 and resp.headers["location"].startswith(client.redirect_uri + "?")
    back = query(resp.headers["location"])
    assert (back["error"], back["state"], back["iss"]) == ("interaction_required", "st-1", flow.base)
    assert "code" not in back


def test_one_factor_is_enough_for_other_clients_and_acr_values_pwd(flow: Flow) -> None:
    tokens = flow.tokens(acr_values=ACR_PWD)
    assert payload(tokens["id_token"])["acr"] == ACR_PWD


def test_a_password_sign_in_says_so_in_every_answer(flow: Flow) -> None:
    client = flow.client()
    tokens = flow.tokens(client=client)
    id_claims, access_claims = payload(tokens["id_token"]), payload(tokens["access_token"])
    for claims in (id_claims, access_claims):
        assert (claims["acr"], claims["amr"]) == (ACR_PWD, ["pwd"])
    with httpx.Client(base_url=flow.base, timeout=30) as app:
        described = app.post("/api/v1/oauth/introspect", data={"token": tokens["access_token"]},
                             auth=(client.client_id, client.client_secret)).json()
    assert (described["active"], described["acr"], described["amr"]) == (True, ACR_PWD, ["pwd"])
    with flow.stack.channel("token", "validator", 0) as ch:
        answer = token_pb2_grpc.TokenServiceStub(ch).ValidateToken(
            token_pb2.ValidateTokenRequest(token=tokens["access_token"]), timeout=10)
    assert (answer.acr, list(answer.amr)) == (ACR_PWD, ["pwd"])


def test_turning_require_mfa_off_lets_one_factor_through_again(flow: Flow) -> None:
    client = flow.client("--require-mfa")
    flow.cli("client", "update", client.client_id, "--no-require-mfa")
    assert payload(flow.tokens(client=client)["id_token"])["amr"] == ["pwd"]
