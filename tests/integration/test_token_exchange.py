"""RFC 8693 token exchange through the gateway, clients registered with the CLI: a resource
server exchanges a user's token for its own (impersonation) or with its own token as the
actor (delegation, `act`); what its policy does not allow is unauthorized_client; a subject
token meant for someone else is invalid_request; more scope than the subject token holds is
invalid_scope; a resource it may not use is invalid_target; and ending the user's session
ends the exchanged token at ValidateToken, userinfo and introspection. A client registered
with --dpop-bound gets invalid_dpop_proof at /token without a DPoP proof (RFC 9449 §5.2)."""

from __future__ import annotations

import base64
import json

import grpc
import httpx
import pytest
from authgate_devstack.stack import Stack
from flowkit import AppClient, Flow, client_token, eventually, service_client, validate_on_each_replica

EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS = "urn:ietf:params:oauth:token-type:access_token"
API = "urn:authgate:api"  # the seeded catalogue's API: a user token with `read` is for it


def claims(jwt: str) -> dict:
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def resource_server(flow: Flow, *policy: str) -> AppClient:
    """A confidential API client that may exchange the tokens users bring it (aud: API)."""
    return service_client(flow, "openid read write", "--grant-type", EXCHANGE, *policy,
                          "--exchange-audience", API)


def exchange(flow: Flow, client: AppClient, subject: str, **extra: str) -> httpx.Response:
    with httpx.Client(base_url=flow.base, timeout=30) as app:
        return app.post("/api/v1/oauth/token", auth=(client.client_id, client.client_secret),
                        data={"grant_type": EXCHANGE, "subject_token": subject,
                              "subject_token_type": ACCESS, **extra})


def refused(resp: httpx.Response, error: str) -> None:
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"] == error and resp.json()["error_description"]


def actor_token(flow: Flow, actor: AppClient) -> str:
    resp = client_token(flow, actor, "read")
    assert resp.status_code == 200, resp.text
    return resp.json()["access_token"]


@pytest.fixture(scope="module")
def users_token(flow: Flow) -> dict:
    return flow.tokens(scope="openid profile read")


def test_impersonation_gives_the_api_a_token_for_the_same_user(flow: Flow, users_token: dict) -> None:
    rs = resource_server(flow, "--token-exchange", "impersonation")
    resp = exchange(flow, rs, users_token["access_token"])
    assert resp.status_code == 200, resp.text
    assert resp.headers["cache-control"] == "no-store"
    body = resp.json()
    assert (body["issued_token_type"], body["token_type"]) == (ACCESS, "Bearer")
    assert "refresh_token" not in body and "id_token" not in body
    assert body["scope"] == "openid read"  # the subject token's, within the API's
    subject, issued = claims(users_token["access_token"]), claims(body["access_token"])
    assert (issued["sub"], issued["sid"]) == (subject["sub"], subject["sid"])
    assert issued["client_id"] == rs.client_id
    assert issued["amr"] == subject["amr"] and "act" not in issued
    me = httpx.get(f"{flow.base}/api/v1/userinfo/me", timeout=10,
                   headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["sub"] == subject["sub"]


def test_delegation_names_the_actor_in_act(flow: Flow, users_token: dict) -> None:
    rs = resource_server(flow, "--token-exchange", "delegation")
    resp = exchange(flow, rs, users_token["access_token"], actor_token=actor_token(flow, rs),
                    actor_token_type=ACCESS, scope="read")
    assert resp.status_code == 200, resp.text
    issued = claims(resp.json()["access_token"])
    assert issued["act"] == {"sub": rs.client_id, "client_id": rs.client_id}
    assert issued["sub"] == claims(users_token["access_token"])["sub"] and resp.json()["scope"] == "read"
    downstream = resource_server(flow, "--token-exchange", "delegation")
    other_actor = service_client(flow, "read")
    again = exchange(flow, downstream, resp.json()["access_token"],
                     actor_token=actor_token(flow, other_actor), actor_token_type=ACCESS)
    assert again.status_code == 200, again.text
    assert claims(again.json()["access_token"])["act"] == {
        "sub": other_actor.client_id, "client_id": other_actor.client_id, "act": issued["act"]}


def test_what_the_policy_does_not_allow_is_unauthorized_client(flow: Flow, users_token: dict) -> None:
    subject = users_token["access_token"]
    no_policy = resource_server(flow)
    refused(exchange(flow, no_policy, subject), "unauthorized_client")
    impersonation_only = resource_server(flow, "--token-exchange", "impersonation")
    refused(exchange(flow, impersonation_only, subject, actor_token=actor_token(flow, impersonation_only),
                     actor_token_type=ACCESS), "unauthorized_client")
    delegation_only = resource_server(flow, "--token-exchange", "delegation")
    refused(exchange(flow, delegation_only, subject), "unauthorized_client")
    without_grant = service_client(flow, "read")
    refused(exchange(flow, without_grant, subject), "unauthorized_client")


def test_refused_subject_tokens_scopes_and_targets(flow: Flow, users_token: dict) -> None:
    rs = resource_server(flow, "--token-exchange", "impersonation")
    not_for_the_api = flow.tokens(scope="openid profile")["access_token"]  # aud: its client only
    refused(exchange(flow, rs, not_for_the_api), "invalid_request")
    refused(exchange(flow, rs, users_token["access_token"][:-6] + "AAAAAA"), "invalid_request")
    refused(exchange(flow, rs, users_token["access_token"], scope="read write"), "invalid_scope")
    refused(exchange(flow, rs, users_token["access_token"],
                     resource="https://elsewhere.example/api"), "invalid_target")
    refresh_type = "urn:ietf:params:oauth:token-type:refresh_token"
    refused(exchange(flow, rs, users_token["access_token"], requested_token_type=refresh_type),
            "invalid_request")
    named = exchange(flow, rs, users_token["access_token"], resource=API)
    assert named.status_code == 200 and claims(named.json()["access_token"])["aud"] == [API]


def test_ending_the_users_session_ends_the_exchanged_token(flow: Flow, stack: Stack) -> None:
    user, app = flow.user(), flow.client()
    rs = resource_server(flow, "--token-exchange", "impersonation,delegation")
    with flow.browser() as laptop, flow.browser() as phone:
        laptop_sid, tokens = flow.sign_in(laptop, user, app, scope="openid read")
        flow.login(phone, user)
        resp = exchange(flow, rs, tokens["access_token"], actor_token=actor_token(flow, rs),
                        actor_token_type=ACCESS)
        assert resp.status_code == 200, resp.text
        exchanged = resp.json()["access_token"]
        assert set(validate_on_each_replica(stack, exchanged)) == {grpc.StatusCode.OK}
        assert phone.delete(f"/api/v1/sessions/{laptop_sid}",
                            headers={"Origin": flow.base}).status_code == 204

    def userinfo() -> int:
        return httpx.get(f"{flow.base}/api/v1/userinfo/me", timeout=10,
                         headers={"Authorization": f"Bearer {exchanged}"}).status_code

    eventually(lambda: userinfo() == 401, "the exchanged token refused at userinfo")
    assert set(validate_on_each_replica(stack, exchanged, timeout=5)) == {grpc.StatusCode.UNAUTHENTICATED}
    intro = httpx.post(f"{flow.base}/api/v1/oauth/introspect", data={"token": exchanged},
                       auth=(rs.client_id, rs.client_secret), timeout=10)
    assert intro.json() == {"active": False}
    refused(exchange(flow, rs, tokens["access_token"]), "invalid_request")  # the subject is dead too


def test_discovery_lists_the_grant_type(flow: Flow) -> None:
    meta = httpx.get(f"{flow.base}/.well-known/openid-configuration", timeout=10).json()
    assert EXCHANGE in meta["grant_types_supported"]


def test_a_dpop_bound_client_needs_a_proof_at_the_token_endpoint(flow: Flow) -> None:
    bound = service_client(flow, "read", "--dpop-bound")
    shown = flow.cli("client", "update", bound.client_id, "--name", "bound")
    assert shown["dpop_bound_access_tokens"] is True
    resp = client_token(flow, bound, "read")
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"] == "invalid_dpop_proof"
