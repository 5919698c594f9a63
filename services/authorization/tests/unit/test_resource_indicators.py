"""RFC 8707 §2.1 at /authorize: `resource` (repeatable, absolute, no fragment) must be the
audience of an API a requested scope opens, else invalid_target to the client; it is
stored with the code and comes back with the grant. Switched off it is ignored."""

from __future__ import annotations

import pytest
from authorization_fakes import REDIRECT, make_core, make_settings
from fastapi.testclient import TestClient

API = "urn:authgate:api"  # the seeded catalogue's API (read, write, admin)
AUTHORIZE = "/api/v1/oauth/authorize"


def code_flow(core, pairs, scope="openid read"):
    core.register()
    cookie, _ = core.sessions.sign_in()
    verifier, challenge = core.pkce_pair()
    outcome = core.authorize(pairs, cookie=cookie, **core.valid_params(challenge, scope=scope))
    return core.query(outcome.location), verifier


def test_the_resource_is_kept_with_the_code(core) -> None:
    params, verifier = code_flow(core, [("resource", API)])
    grant = core.service.redeemer.redeem(params["code"], "web", REDIRECT, verifier)
    assert grant.resources == (API,)


def test_without_resource_the_grant_names_none(core) -> None:
    params, verifier = code_flow(core, [])
    assert core.service.redeemer.redeem(params["code"], "web", REDIRECT, verifier).resources == ()


@pytest.mark.parametrize("resource", [
    "https://other.example/api",   # no API of the catalogue
    "relative/path",              # not absolute
    "https://app.example/x#frag",  # a fragment
])
def test_a_resource_the_client_may_not_use_is_invalid_target(core, resource) -> None:
    params, _ = code_flow(core, [("resource", resource)])
    assert params["error"] == "invalid_target" and params["state"] == "st-1"


def test_a_resource_no_requested_scope_opens_is_invalid_target(core) -> None:
    params, _ = code_flow(core, [("resource", API)], scope="openid profile")
    assert params["error"] == "invalid_target"


def test_resource_may_repeat_in_a_post(core, pkce) -> None:
    core.register()
    cookie, _ = core.sessions.sign_in()
    body = "&".join(f"{k}={v}" for k, v in core.valid_params(pkce[1]).items())
    body += "&resource=urn:authgate:api&resource=https://nowhere.example"
    with TestClient(core.service.http_app, follow_redirects=False) as http:
        http.cookies.set("__Host-sso_session", cookie)
        resp = http.post(AUTHORIZE, content=body,
                         headers={"content-type": "application/x-www-form-urlencoded"})
    assert core.query(resp.headers["location"])["error"] == "invalid_target"


def test_switched_off_the_resource_is_ignored() -> None:
    core = make_core(make_settings().model_copy(update={"RESOURCE_INDICATORS_ENABLED": False}))
    params, verifier = code_flow(core, [("resource", "https://other.example/api")])
    assert core.service.redeemer.redeem(params["code"], "web", REDIRECT, verifier).resources == ()
