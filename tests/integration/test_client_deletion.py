"""Deleting a client ends every token it holds at once (issue 17), through the whole stack.

A client holds a code-flow access and refresh token of a user and a client_credentials
token of its own. The operator deletes it (`authgate client delete`): the authorization
service writes a `client.deleted` outbox row in the delete's transaction, its relay calls
TokenService.RevokeClientTokens with no user, and within seconds every path refuses them:
introspection (by the resource server named in `aud`) answers active=false, userinfo 401,
the gateway's protected example route 401, and the refresh token invalid_grant — even for
a client registered again under the same client_id, whose own new tokens do validate."""

from __future__ import annotations

import time

import httpx
from flowkit import AppClient, Flow, client_token, service_client

ITEMS = "/api/v1/example/items"
DEADLINE_SECONDS = 5.0


def introspect(flow: Flow, resource_server: AppClient, token: str) -> dict:
    return httpx.post(f"{flow.base}/api/v1/oauth/introspect", timeout=30, data={"token": token},
                      auth=(resource_server.client_id, resource_server.client_secret)).json()


def bearer_status(flow: Flow, path: str, token: str) -> int:
    return httpx.get(f"{flow.base}{path}", headers={"Authorization": f"Bearer {token}"},
                     timeout=30).status_code


def refresh(flow: Flow, client: AppClient, token: str) -> httpx.Response:
    return httpx.post(f"{flow.base}/api/v1/oauth/token", auth=(client.client_id, client.client_secret),
                      data={"grant_type": "refresh_token", "refresh_token": token}, timeout=30)


def test_a_deleted_clients_tokens_stop_everywhere_at_once(flow: Flow) -> None:
    resource_server = service_client(flow, "read")
    client = flow.client("--grant-type", "refresh_token", "--grant-type", "client_credentials",
                         "--audience", resource_server.client_id, scopes="openid read")
    user_tokens = flow.tokens(client=client, scope="openid read")
    own = client_token(flow, client, "read")
    assert own.status_code == 200, own.text
    access = [user_tokens["access_token"], own.json()["access_token"]]
    for token in access:
        assert introspect(flow, resource_server, token)["active"] is True
        assert bearer_status(flow, ITEMS, token) == 200
    assert bearer_status(flow, "/api/v1/userinfo/me", access[0]) == 200

    assert flow.cli("client", "delete", "--client-id", client.client_id)["deleted"] is True
    started = time.monotonic()
    while introspect(flow, resource_server, access[1]) != {"active": False}:
        assert time.monotonic() - started < DEADLINE_SECONDS, "the deleted client's token still active"
        time.sleep(0.05)
    print(f"\nclient deletion reached the token service in {time.monotonic() - started:.2f} s")

    for token in access:
        assert introspect(flow, resource_server, token) == {"active": False}
        assert bearer_status(flow, ITEMS, token) == 401
    assert bearer_status(flow, "/api/v1/userinfo/me", access[0]) == 401

    # Registered again under the same id: the old refresh token is dead, the old access
    # tokens stay refused, and its new tokens (issued in a later second) validate.
    time.sleep(1.0)
    again = flow.cli("client", "create", "--client-id", client.client_id, "--grant-type",
                     "client_credentials", "--grant-type", "refresh_token", "--grant-type",
                     "authorization_code", "--redirect-uri", client.redirect_uri, "--scope", "openid read",
                     "--audience", resource_server.client_id, "--first-party")
    reborn = AppClient(client.client_id, again["client_secret"], client.redirect_uri)
    gone = refresh(flow, reborn, user_tokens["refresh_token"])
    assert gone.status_code == 400 and gone.json()["error"] == "invalid_grant", gone.text
    fresh = client_token(flow, reborn, "read")
    assert fresh.status_code == 200, fresh.text
    assert bearer_status(flow, ITEMS, fresh.json()["access_token"]) == 200
    for token in access:
        assert bearer_status(flow, ITEMS, token) == 401
