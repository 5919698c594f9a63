"""response_mode=form_post at /authorize and after consent (OAuth 2.0 Form Post Response
Mode §2, §5): the answer is a page that POSTs the parameters to the redirect URI, submitted
by a script the CSP allows by hash; anything but query/form_post is invalid_request sent
the default way; FORM_POST_ENABLED=false refuses form_post."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from authorization_fakes import ISSUER, REDIRECT, make_core, make_settings
from fastapi.testclient import TestClient

AUTHORIZE, CONSENT = "/api/v1/oauth/authorize", "/api/v1/oauth/consent"


@pytest.fixture
def http(core):
    core.register()
    core.register("tp", first_party=False)
    cookie, _ = core.sessions.sign_in("alice")
    with TestClient(core.service.http_app, follow_redirects=False) as client:
        client.cookies.set("__Host-sso_session", cookie)
        yield client


def fields_of(page) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text))


def script_hash(page) -> str:
    (script,) = re.findall(r"<script>(.*?)</script>", page.text, re.S)
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()


def test_code_is_posted_by_a_self_submitting_form(core, http, pkce) -> None:
    resp = http.get(AUTHORIZE, params=core.valid_params(pkce[1], response_mode="form_post"))
    assert resp.status_code == 200 and "location" not in resp.headers
    assert f'<form method="post" action="{REDIRECT}">' in resp.text
    fields = fields_of(resp)
    assert set(fields) == {"code", "state", "iss"} and fields["state"] == "st-1"
    assert fields["iss"] == ISSUER
    assert '<button type="submit">' in resp.text  # without scripts
    csp = resp.headers["content-security-policy"]
    assert f"script-src '{script_hash(resp)}'" in csp and "unsafe-inline" not in csp.split("script-src")[1]
    assert "form-action 'self' https://app.example" in csp and "frame-ancestors 'none'" in csp
    assert resp.headers["cache-control"] == "no-store"


def test_an_error_after_the_redirect_uri_is_verified_is_posted_too(core, http, pkce) -> None:
    resp = http.get(AUTHORIZE, params=core.valid_params(pkce[1], response_mode="form_post",
                                                      scope="openid nonsense"))
    assert resp.status_code == 200
    fields = fields_of(resp)
    assert fields["error"] == "invalid_scope" and fields["state"] == "st-1" and fields["iss"] == ISSUER
    assert "error_description" in fields


def test_an_unknown_response_mode_is_invalid_request_by_redirect(core, http, pkce) -> None:
    resp = http.get(AUTHORIZE, params=core.valid_params(pkce[1], response_mode="fragment"))
    assert resp.status_code == 302
    params = core.query(resp.headers["location"])
    assert params["error"] == "invalid_request" and params["state"] == "st-1"


def test_before_the_redirect_uri_is_verified_it_stays_a_page(core, http, pkce) -> None:
    resp = http.get(AUTHORIZE, params=core.valid_params(pkce[1], response_mode="form_post",
                                                      redirect_uri="https://evil.example/cb"))
    assert resp.status_code == 400 and "<form" not in resp.text


def test_values_are_escaped(core, http, pkce) -> None:
    resp = http.get(AUTHORIZE, params=core.valid_params(pkce[1], response_mode="form_post",
                                                      state='"><script>x</script>'))
    assert '"><script>x' not in resp.text and "&#34;&gt;&lt;script&gt;" in resp.text


def test_the_page_speaks_german(core, http, pkce) -> None:
    resp = http.get(AUTHORIZE, params=core.valid_params(pkce[1], response_mode="form_post",
                                                      ui_locales="de"))
    assert "Zurück zur Anwendung" in resp.text and resp.headers["content-language"] == "de"


@pytest.mark.parametrize("decision, keys", [("allow", {"code", "state", "iss"}),
                                            ("deny", {"error", "error_description", "state", "iss"})])
def test_consent_answer_is_posted_in_the_requested_mode(core, http, pkce, decision, keys) -> None:
    page = http.get(AUTHORIZE, params=core.valid_params(pkce[1], client_id="tp", response_mode="form_post"))
    assert page.status_code == 200 and 'action="/api/v1/oauth/consent"' in page.text
    resp = http.post(CONSENT, data={**fields_of(page), "decision": decision})
    assert resp.status_code == 200 and f'action="{REDIRECT}"' in resp.text
    assert set(fields_of(resp)) == keys


def test_switched_off_form_post_is_invalid_request() -> None:
    core = make_core(make_settings().model_copy(update={"FORM_POST_ENABLED": False}))
    core.register()
    cookie, _ = core.sessions.sign_in()
    verifier, challenge = core.pkce_pair()
    outcome = core.authorize(cookie=cookie, **core.valid_params(challenge, response_mode="form_post"))
    assert core.query(outcome.location)["error"] == "invalid_request"  # type: ignore[union-attr]
