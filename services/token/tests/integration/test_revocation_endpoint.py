"""POST /api/v1/oauth/revoke (RFC 7009) over HTTP on real PostgreSQL and Redis."""

from __future__ import annotations

import secrets

REVOKE = "/api/v1/oauth/revoke"
USERINFO = "/api/v1/userinfo/me"


def _userinfo(harness, access: str) -> int:
    return harness.http.get(USERINFO, headers={"Authorization": f"Bearer {access}"}).status_code


def _revoke(harness, client, token: str, **extra: str):
    return harness.http.post(REVOKE, auth=client, data={"token": token, **extra})


def test_revoking_an_access_token(harness, app_client, lifecycle) -> None:
    sign_in, refresh = lifecycle
    tokens = sign_in(harness, app_client)
    resp = _revoke(harness, app_client, tokens["access_token"], token_type_hint="access_token")
    assert resp.status_code == 200 and resp.content == b""
    assert resp.headers["cache-control"] == "no-store"
    assert _userinfo(harness, tokens["access_token"]) == 401
    assert refresh(harness, app_client, tokens["refresh_token"]).status_code == 200


def test_revoking_a_refresh_token_revokes_its_family(harness, app_client, lifecycle) -> None:
    sign_in, refresh = lifecycle
    first = sign_in(harness, app_client)
    second = refresh(harness, app_client, first["refresh_token"]).json()
    resp = _revoke(harness, app_client, second["refresh_token"], token_type_hint="access_token")
    assert resp.status_code == 200
    assert refresh(harness, app_client, second["refresh_token"]).json()["error"] == "invalid_grant"
    assert _userinfo(harness, second["access_token"]) == 401


def test_another_clients_token_is_not_revoked(harness, app_client, lifecycle) -> None:
    sign_in, refresh = lifecycle
    tokens = sign_in(harness, app_client)
    other = ("other-" + secrets.token_hex(4), secrets.token_urlsafe(32))
    harness.fakes.add_client(*other)
    assert _revoke(harness, other, tokens["access_token"]).status_code == 200
    assert _revoke(harness, other, tokens["refresh_token"]).status_code == 200
    assert _userinfo(harness, tokens["access_token"]) == 200
    assert refresh(harness, app_client, tokens["refresh_token"]).status_code == 200


def test_unknown_tokens_answer_200_and_bad_requests_do_not(harness, app_client) -> None:
    for token in ("never-issued", "a.b.c"):
        assert _revoke(harness, app_client, token, token_type_hint="bogus").status_code == 200
    missing = harness.http.post(REVOKE, auth=app_client, data={})
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    anonymous = harness.http.post(REVOKE, data={"token": "x"})
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "invalid_client"
    wrong = _revoke(harness, (app_client[0], "wrong-secret-" + "x" * 30), "x")
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == 'Basic realm="authgate"'
