"""The consent and error pages speak the person's language: the authorization request's
ui_locales (OIDC Core §3.1.2.1), then Accept-Language; the consent form carries it so the
page after the post speaks it too. Built-in scopes are described in that language."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

AUTHORIZE, CONSENT = "/api/v1/oauth/authorize", "/api/v1/oauth/consent"


@pytest.fixture
def http(core):
    core.register("tp", name="Photo Printer", first_party=False, scopes=("openid", "profile", "read"))
    cookie, _ = core.sessions.sign_in("alice")
    with TestClient(core.service.http_app, follow_redirects=False) as client:
        client.cookies.set("__Host-sso_session", cookie)
        yield client


def consent(core, http, pkce, headers=None, **params: str):
    resp = http.get(AUTHORIZE, headers=headers or {}, params=core.valid_params(
        pkce[1], client_id="tp", scope="openid profile read", **params))
    assert resp.status_code == 200, resp.text
    return resp


def test_the_consent_page_is_german_by_ui_locales(core, http, pkce) -> None:
    page = consent(core, http, pkce, {"accept-language": "en"}, ui_locales="fr de")
    assert '<html lang="de">' in page.text and page.headers["content-language"] == "de"
    assert "<h1>Darf Photo Printer Ihr Konto verwenden?</h1>" in page.text
    for words in ("Ihre Identität bestätigen", "Ihren Namen und Benutzernamen", "Ihre Daten lesen"):
        assert f"<li>{words}</li>" in page.text
    assert ">Erlauben</button>" in page.text and ">Ablehnen</button>" in page.text
    assert '<ul aria-label="Worum die Anwendung bittet">' in page.text
    # The security headers are those of the consent page, whatever the language.
    assert "form-action 'self' https://app.example" in page.headers["content-security-policy"]


def test_the_consent_page_is_german_by_accept_language(core, http, pkce) -> None:
    page = consent(core, http, pkce, {"accept-language": "de-AT,de;q=0.9,en;q=0.5"})
    assert '<html lang="de">' in page.text and "Erlauben" in page.text
    english = consent(core, http, pkce)
    assert '<html lang="en">' in english.text
    assert "<h1>Allow Photo Printer to use your account?</h1>" in english.text


def test_the_page_after_the_consent_post_keeps_the_language(core, http, pkce) -> None:
    page = consent(core, http, pkce, ui_locales="de")
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text))
    assert form["ui_locales"] == "de"
    resp = http.post(CONSENT, data={**form, "csrf_token": "forged", "decision": "allow"})
    assert resp.status_code == 400 and '<html lang="de">' in resp.text
    assert "Dieses Zustimmungsformular ist abgelaufen" in resp.text
    assert "<code>invalid_request</code>" in resp.text
    unchosen = http.post(CONSENT, data={**form, "decision": "maybe"})
    assert "Wählen Sie „Erlauben“ oder „Ablehnen“." in unchosen.text


def test_the_error_page_is_translated_around_the_developer_text(http) -> None:
    resp = http.get(AUTHORIZE, params={"client_id": "nobody", "response_type": "code", "ui_locales": "de"})
    assert resp.status_code == 400 and '<html lang="de">' in resp.text
    assert "<h1>Diese Anmeldeanfrage kann nicht fortgesetzt werden</h1>" in resp.text
    assert 'role="alert"' in resp.text and "Fehlercode:" in resp.text
    english = http.get(AUTHORIZE, params={"client_id": "nobody"}, headers={"accept-language": "en"})
    assert "<h1>This sign-in request cannot continue</h1>" in english.text
