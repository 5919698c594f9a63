"""The sign-out page and the end-session endpoint's pages speak the person's language:
ui_locales (OIDC RP-Initiated Logout 1.0 §2), then Accept-Language; the confirmation form
carries it back, so the page after it speaks it too."""

from __future__ import annotations

import re
import secrets

import pytest
from fastapi.testclient import TestClient
from session_service.bootstrap import build
from session_service.domain.create import create_session
from session_service.settings import Settings


class NoClients:
    def get(self, client_id: str) -> None:
        return None


@pytest.fixture
def client(world) -> TestClient:
    settings = Settings(_env_file=None, ISSUER="https://auth.example",  # type: ignore[call-arg]
                        SECRET_KEY=secrets.token_urlsafe(32))
    service = build(settings, uow=world.uow, store=world.kv, tokens=world.tokens,
                    clock=world.clock, clients=NoClients())  # type: ignore[arg-type]
    _, cookie = create_session(service.deps, "alice", "", "laptop", [])
    http = TestClient(service.http_app, follow_redirects=False, base_url="https://auth.example")
    http.cookies.set("__Host-sso_session", cookie)
    return http


def test_the_sign_out_page_follows_accept_language(client: TestClient) -> None:
    page = client.get("/api/v1/logout", headers={"accept-language": "de"})
    assert page.status_code == 200 and '<html lang="de">' in page.text
    assert "<h1>Abmelden</h1>" in page.text and ">Auf allen Geräten abmelden</button>" in page.text
    assert page.headers["referrer-policy"] == "same-origin"
    english = client.get("/api/v1/logout", params={"ui_locales": "en"}, headers={"accept-language": "de"})
    assert ">Sign out on this device only</button>" in english.text


def test_the_end_session_confirmation_is_german_and_carries_its_language(client: TestClient) -> None:
    page = client.get("/api/v1/oauth/logout", params={"ui_locales": "de", "state": "s"})
    assert page.status_code == 200 and '<html lang="de">' in page.text
    assert "<h1>Abmelden?</h1>" in page.text and "Eine Anwendung bittet Sie, sich abzumelden." in page.text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    assert fields["ui_locales"] == "de"
    expired = client.post("/api/v1/oauth/logout", data={**fields, "csrf_token": "forged"})
    assert expired.status_code == 400 and "Das Abmeldeformular war abgelaufen." in expired.text
    done = client.post("/api/v1/oauth/logout", data=dict(re.findall(
        r'<input type="hidden" name="([^"]+)" value="([^"]*)">', expired.text)))
    assert done.status_code == 200 and "<h1>Sie sind abgemeldet</h1>" in done.text


def test_a_refused_end_session_request_is_translated_around_the_developer_text(client: TestClient) -> None:
    resp = client.get("/api/v1/oauth/logout", params={"post_logout_redirect_uri": "https://evil.example/"},
                      headers={"accept-language": "de"})
    assert resp.status_code == 400 and "Diese Abmeldeanfrage kann nicht fortgesetzt werden" in resp.text
    assert "Fehlercode:" in resp.text and "evil.example" not in resp.text
