"""The consent page, its form post and /api/v1/consents over the faked core: plain
words, escaping, framing refused, CSRF, status codes (RFC 6749 §4.1.2.1; RFC 6750 §3)."""

from __future__ import annotations

import re

import pytest
from authorization_fakes import ISSUER
from fastapi.testclient import TestClient

AUTHORIZE, CONSENT, CONSENTS = "/api/v1/oauth/authorize", "/api/v1/oauth/consent", "/api/v1/consents"
SAME_SITE = {"origin": ISSUER}


@pytest.fixture
def http(core):
    core.register("tp", name='<b>Evil "App"</b>', first_party=False,
                  scopes=("openid", "profile", "email", "read", "write", "admin"))
    cookie, _ = core.sessions.sign_in("alice")
    with TestClient(core.service.http_app, follow_redirects=False) as client:
        client.cookies.set("__Host-sso_session", cookie)
        yield client


def consent_page(core, http, pkce, scope: str = "openid profile email read write admin"):
    resp = http.get(AUTHORIZE, params=core.valid_params(pkce[1], client_id="tp", scope=scope))
    assert resp.status_code == 200, resp.text
    return resp


def form_of(page) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text))


def test_consent_page_lists_the_scopes_in_plain_words(core, http, pkce) -> None:
    page = consent_page(core, http, pkce)
    assert page.headers["content-type"].startswith("text/html")
    for words in ("Confirm your identity", "Your name and username", "Your email address",
                  "Read your data", "Change your data", "Administer your account"):
        assert f"<li>{words}</li>" in page.text
    assert '<form method="post" action="/api/v1/oauth/consent">' in page.text
    assert 'name="decision" value="allow"' in page.text and 'name="decision" value="deny"' in page.text
    assert "<b>Evil" not in page.text and "&lt;b&gt;Evil &#34;App&#34;&lt;/b&gt;" in page.text
    # Nothing loaded from anywhere: no scripts, images, stylesheets or links.
    assert not re.search(r"<script|src=|href=", page.text)


def test_consent_page_is_never_framed_or_cached(core, http, pkce) -> None:
    page = consent_page(core, http, pkce)
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert "form-action 'self' https://app.example" in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"


def test_allow_redirects_to_the_client_with_a_code(core, http, pkce) -> None:
    form = form_of(consent_page(core, http, pkce))
    resp = http.post(CONSENT, data={**form, "decision": "allow"})
    assert resp.status_code == 303 and resp.headers["cache-control"] == "no-store"
    assert set(core.query(resp.headers["location"])) == {"code", "state", "iss"}


def test_deny_redirects_with_access_denied(core, http, pkce) -> None:
    form = form_of(consent_page(core, http, pkce))
    resp = http.post(CONSENT, data={**form, "decision": "deny"})
    assert resp.status_code == 303
    params = core.query(resp.headers["location"])
    assert params["error"] == "access_denied" and params["state"] == "st-1" and params["iss"] == ISSUER


@pytest.mark.parametrize("drop", ["csrf_token", "request"])
def test_post_without_the_csrf_token_or_request_is_400(core, http, pkce, drop) -> None:
    form = form_of(consent_page(core, http, pkce))
    del form[drop]
    resp = http.post(CONSENT, data={**form, "decision": "allow"})
    assert resp.status_code == 400 and "location" not in resp.headers
    assert resp.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]


@pytest.mark.parametrize("body, content_type", [
    (b"decision=allow", "application/json"), (b"decision=\xff", "application/x-www-form-urlencoded"),
    (b"", "application/x-www-form-urlencoded")])
def test_post_with_a_bad_body_is_a_page(http, body, content_type) -> None:
    resp = http.post(CONSENT, content=body, headers={"content-type": content_type})
    assert resp.status_code == 400 and "location" not in resp.headers


def test_list_and_withdraw(core, http, pkce) -> None:
    http.post(CONSENT, data={**form_of(consent_page(core, http, pkce, "openid read")), "decision": "allow"})
    listed = http.get(CONSENTS)
    assert listed.status_code == 200 and listed.headers["cache-control"] == "no-store"
    (grant,) = listed.json()["consents"]
    assert grant["client_id"] == "tp" and grant["scopes"] == ["openid", "read"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", grant["granted_at"])
    assert http.delete(f"{CONSENTS}/tp", headers=SAME_SITE).status_code == 204
    assert http.get(CONSENTS).json() == {"consents": []}
    gone = http.delete(f"{CONSENTS}/tp", headers=SAME_SITE)
    assert gone.status_code == 404 and gone.json()["error"] == "not_found"


@pytest.mark.parametrize("headers", [
    {}, {"origin": "https://evil.example"}, {"sec-fetch-site": "cross-site"},
    {"referer": "https://evil.example/x"}, {"origin": "null"},
    {"sec-fetch-site": "same-origin", "origin": "https://evil.example"}])
def test_cross_site_withdrawal_is_403(core, http, pkce, headers) -> None:
    http.post(CONSENT, data={**form_of(consent_page(core, http, pkce)), "decision": "allow"})
    resp = http.delete(f"{CONSENTS}/tp", headers=headers)
    assert resp.status_code == 403 and resp.json()["error"] == "access_denied"
    assert len(http.get(CONSENTS).json()["consents"]) == 1


@pytest.mark.parametrize("headers", [{"sec-fetch-site": "same-origin"}, {"referer": ISSUER + "/me"}])
def test_same_site_withdrawal_by_fetch_metadata_or_referer(core, http, pkce, headers) -> None:
    http.post(CONSENT, data={**form_of(consent_page(core, http, pkce)), "decision": "allow"})
    assert http.delete(f"{CONSENTS}/tp", headers=headers).status_code == 204


@pytest.mark.parametrize("method", ["get", "delete"])
def test_consents_without_a_session_are_401(core, method) -> None:
    with TestClient(core.service.http_app) as anonymous:
        anonymous.cookies.set("__Host-sso_session", "expired")
        resp = anonymous.request(method.upper(), CONSENTS + ("/tp" if method == "delete" else ""),
                                 headers=SAME_SITE)
    assert resp.status_code == 401 and resp.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("uri, source", [
    ("https://app.example/cb", "https://app.example"),
    ("http://127.0.0.1:8080/cb?x=1", "http://127.0.0.1:8080"),
    ("https://user@app.example/cb", "https://app.example"),
    ("com.example.app:/oauth", "com.example.app:"),
    ("https://app.example;script-src *", ""),
])
def test_form_action_names_only_the_redirect_origin(uri, source) -> None:
    from authorization_service.entrypoints.consent_page import redirect_source
    assert redirect_source(uri) == source
