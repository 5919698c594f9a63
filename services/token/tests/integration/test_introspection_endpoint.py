"""POST /api/v1/oauth/introspect (RFC 7662) over HTTP on real PostgreSQL and Redis."""

from __future__ import annotations

import secrets

INTROSPECT = "/api/v1/oauth/introspect"
INACTIVE = {"active": False}


def _introspect(harness, client, token: str):
    return harness.http.post(INTROSPECT, auth=client, data={"token": token})


def _sid(harness, client, access: str) -> str:
    return _introspect(harness, client, access).json()["sid"]


def test_live_tokens_are_described(harness, app_client, lifecycle) -> None:
    sign_in, _refresh = lifecycle
    tokens = sign_in(harness, app_client)
    resp = _introspect(harness, app_client, tokens["access_token"])
    assert resp.status_code == 200 and resp.headers["cache-control"] == "no-store"
    body = resp.json()
    assert body["active"] is True and body["token_type"] == "access_token"
    assert body["client_id"] == app_client[0] and body["sub"] == "u1" and body["sid"].startswith("sid-")
    assert body["aud"] == [app_client[0], "urn:authgate:api"]  # the client, and the API `read` opens
    assert body["iss"] == "https://auth.example" and body["jti"]
    assert body["scope"] == "openid read write" and body["exp"] - body["iat"] == 900
    refresh_body = _introspect(harness, app_client, tokens["refresh_token"]).json()
    assert refresh_body["active"] is True and refresh_body["token_type"] == "refresh_token"
    assert refresh_body["sid"] == body["sid"] and refresh_body["client_id"] == app_client[0]


def test_every_inactive_case_is_only_active_false(harness, app_client, lifecycle) -> None:
    sign_in, refresh = lifecycle
    rotated = sign_in(harness, app_client)
    refresh(harness, app_client, rotated["refresh_token"])
    revoked = sign_in(harness, app_client)
    for token in (revoked["access_token"], revoked["refresh_token"]):
        harness.http.post("/api/v1/oauth/revoke", auth=app_client, data={"token": token})
    ended = sign_in(harness, app_client)
    other = ("other-" + secrets.token_hex(4), secrets.token_urlsafe(32))
    harness.fakes.add_client(*other)
    foreign = sign_in(harness, app_client)
    header, payload, signature = foreign["access_token"].split(".")
    harness.fakes.live_sids.discard(_sid(harness, app_client, ended["access_token"]))
    cases = {"rotated": (app_client, rotated["refresh_token"]),
             "revoked access": (app_client, revoked["access_token"]),
             "revoked refresh": (app_client, revoked["refresh_token"]),
             "session ended": (app_client, ended["access_token"]),
             "session ended refresh": (app_client, ended["refresh_token"]),
             "foreign access": (other, foreign["access_token"]),
             "foreign refresh": (other, foreign["refresh_token"]),
             "tampered": (app_client, f"{header}.{payload}x.{signature}"),
             "malformed": (app_client, "%%%"), "unknown": (app_client, secrets.token_urlsafe(32))}
    for name, (client, token) in cases.items():
        resp = _introspect(harness, client, token)
        assert resp.status_code == 200 and resp.json() == INACTIVE, name


def test_unauthenticated_introspection_is_401(harness, app_client) -> None:
    for resp in (harness.http.post(INTROSPECT, data={"token": "x"}),
                 _introspect(harness, (app_client[0], "not-the-secret-" + "x" * 30), "x")):
        assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"
        assert resp.headers["www-authenticate"] == 'Basic realm="authgate"'
