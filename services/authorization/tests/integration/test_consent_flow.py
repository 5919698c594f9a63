"""Consent and prompt=login over real PostgreSQL, the real servicer and HTTP app, and a
gRPC SessionService on port 0 (OIDC Core §3.1.2.1, §3.1.2.4)."""

from __future__ import annotations

import re
import time

from authgate.authorization.v1 import authorization_pb2 as az
from authorization_service.adapters.tables import outbox
from authorization_service.bootstrap import engine_for
from sqlalchemy import select

AUTHORIZE, CONSENT = "/api/v1/oauth/authorize", "/api/v1/oauth/consent"


def _params(client: az.Client, challenge: str, **extra: str) -> dict[str, str]:
    return {"response_type": "code", "client_id": client.client_id,
            "redirect_uri": client.redirect_uris[0], "scope": "openid read", "state": "xyz",
            "code_challenge": challenge, "code_challenge_method": "S256", **extra}


def _redeem(harness, ch, client, code: str, verifier: str) -> az.Grant:
    return harness.stub(ch).RedeemCode(az.RedeemCodeRequest(
        code=code, client_id=client.client_id, redirect_uri=client.redirect_uris[0],
        code_verifier=verifier)).grant


def test_consent_allow_remember_withdraw(harness, grpc_channel) -> None:
    client, _ = harness.client(grpc_channel, first_party=False, name="Partner")
    cookie, session = harness.sessions.sign_in("carol")
    jar = {"cookie": f"__Host-sso_session={cookie}"}
    verifier, challenge = harness.pkce_pair()
    page = harness.http.get(AUTHORIZE, params=_params(client, challenge), headers=jar)
    assert page.status_code == 200 and "Partner" in page.text
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text))
    allowed = harness.http.post(CONSENT, data={**form, "decision": "allow"}, headers=jar)
    assert allowed.status_code == 303
    grant = _redeem(harness, grpc_channel, client, harness.query(allowed.headers["location"])["code"],
                    verifier)
    assert grant.user_id == "carol" and grant.sid == session.sid and list(grant.scopes) == ["openid", "read"]

    again = harness.http.get(AUTHORIZE, params=_params(client, challenge), headers=jar)
    assert again.status_code == 302 and "code" in harness.query(again.headers["location"])
    assert harness.http.get("/api/v1/consents", headers=jar).json()["consents"][0]["client_name"] == "Partner"

    withdrawn = harness.http.delete(f"/api/v1/consents/{client.client_id}",
                                    headers={**jar, "sec-fetch-site": "same-origin"})
    assert withdrawn.status_code == 204
    engine = engine_for(harness.settings)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(outbox.c.topic, outbox.c.payload)).all()
    finally:
        engine.dispose()
    assert ("consent.withdrawn", {"user_id": "carol", "client_id": client.client_id,
                                  "scopes": ["openid", "read"]}) in [tuple(r) for r in rows]
    assert harness.http.get(AUTHORIZE, params=_params(client, challenge), headers=jar).status_code == 200


def test_prompt_login_forces_a_new_login_and_moves_auth_time(harness, grpc_channel) -> None:
    client, _ = harness.client(grpc_channel)
    old_cookie, old = harness.sessions.sign_in("dave")
    verifier, challenge = harness.pkce_pair()
    resp = harness.http.get(AUTHORIZE, params=_params(client, challenge, prompt="login"),
                            headers={"cookie": f"__Host-sso_session={old_cookie}"})
    assert resp.status_code == 302 and resp.headers["location"].startswith("/api/v1/sso/login?")
    return_to = harness.query(resp.headers["location"])["return_to"]
    new_cookie, new = harness.sessions.sign_in("dave")
    new.auth_time.seconds = int(time.time())
    back = harness.http.get(return_to, headers={"cookie": f"__Host-sso_session={new_cookie}"})
    assert back.status_code == 302, back.text
    grant = _redeem(harness, grpc_channel, client, harness.query(back.headers["location"])["code"],
                    verifier)
    assert grant.auth_time.seconds == new.auth_time.seconds > old.auth_time.seconds
    assert grant.sid == new.sid
