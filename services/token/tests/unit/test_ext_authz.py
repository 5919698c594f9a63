"""Envoy ext_authz decisions (envoy.service.auth.v3.Authorization/Check, RFC 6750 §3):
200 with verified x-auth-* headers, 401 with the Bearer challenge, 403 insufficient_scope,
503 when revocation state is unknown. The servicer is called directly here."""

from __future__ import annotations

import json

from envoy.service.auth.v3 import attribute_context_pb2 as attr
from envoy.service.auth.v3 import external_auth_pb2 as ext
from token_service.entrypoints.ext_authz import AuthorizationServicer


def check(world, authorization: str | None, scopes: str = "read", audience: str = ""):
    headers = {"authorization": authorization} if authorization is not None else {}
    extensions = {"required_scopes": scopes, **({"audience": audience} if audience else {})}
    request = ext.CheckRequest(attributes=attr.AttributeContext(
        request=attr.AttributeContext.Request(http=attr.AttributeContext.HttpRequest(headers=headers)),
        context_extensions=extensions))
    return AuthorizationServicer(world.service.validator).Check(request, None)


def _headers(options) -> dict[str, str]:
    return {h.header.key: h.header.value for h in options}


def test_allowed_request_carries_the_verified_identity(calls) -> None:
    access = calls.sign_in().access_token
    resp = check(calls.world, f"Bearer {access}", "read write", audience="app")
    assert resp.status.code == 0 and resp.HasField("ok_response")
    assert _headers(resp.ok_response.headers) == {
        "x-auth-sub": "u1", "x-auth-scope": "openid read write", "x-auth-sid": "sid-1",
        "x-auth-client-id": "app", "x-auth-acr": "urn:authgate:acr:pwd", "x-auth-amr": "pwd"}
    assert all(h.append_action == h.OVERWRITE_IF_EXISTS_OR_ADD for h in resp.ok_response.headers)


def test_a_client_credentials_token_has_no_sid_header(calls) -> None:
    access = calls.token({"grant_type": "client_credentials"}, ("svc", "svc-secret")).access_token
    resp = check(calls.world, f"Bearer {access}")
    assert _headers(resp.ok_response.headers)["x-auth-sub"] == "svc"
    # No session and no sign-in behind it: those headers are removed, never left as sent.
    assert list(resp.ok_response.headers_to_remove) == ["x-auth-sid", "x-auth-acr", "x-auth-amr",
                                                        "x-auth-cnf-jkt"]


def test_no_token_is_401_with_the_bare_challenge(calls) -> None:
    for authorization in (None, "Basic Zm9vOmJhcg=="):
        resp = check(calls.world, authorization)
        assert resp.denied_response.status.code == 401 and resp.status.code == 16
        headers = _headers(resp.denied_response.headers)
        assert headers["www-authenticate"] == 'Bearer realm="authgate"'
        assert json.loads(resp.denied_response.body)["error"] == "invalid_token"


def test_a_bad_token_is_401_invalid_token(calls) -> None:
    access = calls.sign_in().access_token
    for token in ("garbage", access[:-4] + "AAAA"):
        resp = check(calls.world, f"Bearer {token}")
        assert resp.denied_response.status.code == 401
        challenge = _headers(resp.denied_response.headers)["www-authenticate"]
        assert challenge.startswith('Bearer realm="authgate", error="invalid_token"')
    resp = check(calls.world, f"Bearer {access}", audience="https://elsewhere.example")
    assert resp.denied_response.status.code == 401


def test_a_missing_scope_is_403_insufficient_scope(calls) -> None:
    access = calls.sign_in().access_token
    resp = check(calls.world, f"Bearer {access}", "admin")
    assert resp.denied_response.status.code == 403 and resp.status.code == 7
    challenge = _headers(resp.denied_response.headers)["www-authenticate"]
    assert 'error="insufficient_scope"' in challenge and 'scope="admin"' in challenge
    assert json.loads(resp.denied_response.body)["error"] == "insufficient_scope"


def test_unknown_revocation_state_is_503_never_allowed(calls) -> None:
    access = calls.sign_in().access_token
    calls.world.sessions.unavailable = True
    resp = check(calls.world, f"Bearer {access}")
    assert resp.denied_response.status.code == 503 and not resp.HasField("ok_response")
    assert json.loads(resp.denied_response.body)["error"] == "temporarily_unavailable"
