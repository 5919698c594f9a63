"""Withdrawing consent revokes (OIDC Core §3.1.2.4): after DELETE /api/v1/consents/{client}
the client's refresh tokens for that user get invalid_grant within seconds (the
authorization service's outbox relay calls TokenService.RevokeClientTokens), and the access
tokens they issued stop too; the user's tokens at other clients are untouched."""

from __future__ import annotations

import time

import httpx
from flowkit import AppClient, Flow, SignInUser, consented_tokens, pkce_pair

DEADLINE_SECONDS = 10


def third_party_with_refresh(flow: Flow) -> AppClient:
    return flow.client("--grant-type", "refresh_token", "--name", "Partner", scopes="openid read",
                       first_party=False)


def refresh(flow: Flow, client: AppClient, token: str) -> httpx.Response:
    return httpx.post(f"{flow.base}/api/v1/oauth/token", auth=(client.client_id, client.client_secret),
                      data={"grant_type": "refresh_token", "refresh_token": token}, timeout=30)


def introspect(flow: Flow, client: AppClient, token: str) -> dict:
    return httpx.post(f"{flow.base}/api/v1/oauth/introspect", auth=(client.client_id, client.client_secret),
                      data={"token": token}, timeout=30).json()


def test_withdrawal_revokes_the_clients_refresh_tokens(flow: Flow) -> None:
    user: SignInUser = flow.user()
    partner = third_party_with_refresh(flow)
    own = flow.client("--grant-type", "refresh_token")
    with flow.browser() as browser:
        flow.login(browser, user)
        first = consented_tokens(flow, browser, partner)
        rotated = refresh(flow, partner, first["refresh_token"])  # a live, rotated family
        assert rotated.status_code == 200, rotated.text
        verifier, challenge = pkce_pair()  # remembered now: a second family, no page
        second = flow.exchange(partner, flow.code(browser, partner, challenge, scope="openid read"), verifier)
        assert second.status_code == 200, second.text
        kept = flow.tokens(user=user, client=own, scope="openid read")

        withdrawn = browser.delete(f"/api/v1/consents/{partner.client_id}", headers={"origin": flow.base})
        assert withdrawn.status_code == 204, withdrawn.text
    refresh_token, access_token = rotated.json()["refresh_token"], rotated.json()["access_token"]

    started = time.monotonic()
    while introspect(flow, partner, refresh_token)["active"]:
        assert time.monotonic() - started < DEADLINE_SECONDS, "refresh token still active after withdrawal"
        time.sleep(0.2)
    print(f"\nconsent withdrawal reached the token service in {time.monotonic() - started:.2f} s")

    for token in (refresh_token, second.json()["refresh_token"]):
        gone = refresh(flow, partner, token)
        assert gone.status_code == 400 and gone.json()["error"] == "invalid_grant"
    assert introspect(flow, partner, access_token) == {"active": False}
    userinfo = httpx.get(f"{flow.base}/api/v1/userinfo/me", timeout=30,
                         headers={"authorization": f"Bearer {access_token}"})
    assert userinfo.status_code == 401
    # The same user's tokens at a client they did not withdraw from still work.
    assert refresh(flow, own, kept["refresh_token"]).status_code == 200
