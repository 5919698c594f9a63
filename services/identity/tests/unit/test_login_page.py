"""The login page in the person's language (ui_locales of the resumed authorization
request, then Accept-Language), naming the client signed in to, accessible (labels,
role=alert, aria-invalid/aria-describedby), and themed by THEME_DIR."""

from __future__ import annotations

import pathlib
import re
import secrets
import urllib.parse
from typing import Any

import pytest
from fastapi.testclient import TestClient
from identity_fakes import PASSWORD, Core
from identity_service.bootstrap import build
from identity_service.domain.clients import ClientInfo, NoClients
from identity_service.entrypoints.login_page import identity_pages, render_login
from identity_service.settings import Settings
from starlette.requests import Request

LOGIN = "/api/v1/sso/login"


class FakeClients:
    def __init__(self, *clients: ClientInfo) -> None:
        self.known = {c.client_id: c for c in clients}
        self.asked: list[str] = []

    def describe(self, client_id: str) -> ClientInfo | None:
        self.asked.append(client_id)
        return self.known.get(client_id)


def app_for(core: Core, clients: FakeClients | None = None, theme: str = "", **more: Any) -> TestClient:
    settings = Settings(_env_file=None, SECRET_KEY=secrets.token_urlsafe(32),  # type: ignore[call-arg]
                        THEME_DIR=theme, BCRYPT_ROUNDS=4, **more)
    service = build(settings, uow=core.users, sessions=core.sessions,
                    clients=clients or FakeClients(ClientInfo("web", 'Photo <Printer> "Pro"')))
    return TestClient(service.http_app)


def authorize(**params: str) -> str:
    return "/api/v1/oauth/authorize?" + urllib.parse.urlencode({"response_type": "code", **params})


def login_page(client: TestClient, return_to: str = "/", **headers: str):
    page = client.get(LOGIN, params={"return_to": return_to}, headers=headers)
    assert page.status_code == 200
    return page


def test_ui_locales_of_the_authorization_request_picks_german(core: Core) -> None:
    page = login_page(app_for(core), authorize(client_id="nobody", ui_locales="de-CH en"),
                      **{"accept-language": "en"})
    assert '<html lang="de">' in page.text and page.headers["content-language"] == "de"
    assert "<h1>Anmelden</h1>" in page.text and "<title>Anmelden</title>" in page.text
    assert '<label for="username">Benutzername</label>' in page.text
    assert '<label for="password">Passwort</label>' in page.text
    assert '<button type="submit">Anmelden</button>' in page.text


def test_accept_language_picks_german_and_ui_locales_can_overrule_it(core: Core) -> None:
    client = app_for(core)
    german = login_page(client, "/", **{"accept-language": "fr;q=0.9, de-DE;q=0.8"})
    assert '<html lang="de">' in german.text and "Benutzername" in german.text
    english = login_page(client, authorize(ui_locales="en"), **{"accept-language": "de"})
    assert '<html lang="en">' in english.text and "<h1>Sign in</h1>" in english.text
    assert login_page(client).headers["content-language"] == "en"  # nothing asked: English


def test_the_page_names_the_client_from_its_registration(core: Core) -> None:
    clients = FakeClients(ClientInfo("web", 'Photo <Printer> "Pro"'))
    client = app_for(core, clients)
    page = login_page(client, authorize(client_id="web", state="s"))
    assert "<h1>Sign in to Photo &lt;Printer&gt; &#34;Pro&#34;</h1>" in page.text
    german = login_page(client, authorize(client_id="web", ui_locales="de"))
    assert "<h1>Bei Photo &lt;Printer&gt; &#34;Pro&#34; anmelden</h1>" in german.text
    unknown = login_page(client, authorize(client_id="someone-else"))
    assert "<h1>Sign in</h1>" in unknown.text
    assert clients.asked == ["web", "web", "someone-else"]
    # Only the resumed request's own client_id counts, not one smuggled into the page's query.
    assert "<h1>Sign in</h1>" in client.get(LOGIN, params={"return_to": "/", "client_id": "web"}).text


def _csrf(page) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match
    return match.group(1)


@pytest.mark.parametrize(("language", "message"), [
    ("en", "Wrong username or password."), ("de", "Benutzername oder Passwort ist falsch.")])
def test_a_wrong_password_is_announced_in_the_page_language(core: Core, language: str, message: str) -> None:
    core.user()
    client = app_for(core)
    return_to = authorize(client_id="web", ui_locales=language)
    token = _csrf(login_page(client, return_to))
    resp = client.post(LOGIN, data={"username": "alice", "password": "wrong-password",
                                    "return_to": return_to, "csrf_token": token})
    assert resp.status_code == 401
    assert f'<p class="error" role="alert" id="login-error">{message}</p>' in resp.text
    for field in ("username", "password"):
        tag = re.search(rf'<input id="{field}"[^>]*>', resp.text)
        assert tag and 'aria-invalid="true"' in tag.group(0)
        assert 'aria-describedby="login-error"' in tag.group(0)
    assert 'value="alice"' in resp.text


def test_an_expired_form_is_announced_in_german_without_blaming_the_fields(core: Core) -> None:
    client = app_for(core)
    resp = client.post(LOGIN, data={"username": "alice", "password": PASSWORD, "csrf_token": "x",
                                    "return_to": authorize(ui_locales="de")})
    assert resp.status_code == 400
    assert "Ihre Sitzung ist abgelaufen." in resp.text and "aria-invalid" not in resp.text


def test_a_theme_folder_replaces_the_login_template_and_the_stylesheet(core: Core, tmp_path: pathlib.Path,
                                                                      ) -> None:
    (tmp_path / "theme.css").write_text("body { background: #fdf6e3; }", encoding="utf-8")
    plain = login_page(app_for(core))
    assert "#fdf6e3" not in plain.text
    styled = login_page(app_for(core, theme=str(tmp_path)))
    assert "#fdf6e3" in styled.text and '<label for="username">Username</label>' in styled.text
    (tmp_path / "login.html").write_text(
        '{% extends "base.html" %}{% block title %}ACME{% endblock %}{% block content %}'
        '<h1>{{ _("Sign in") }} · ACME</h1><form method="post" action="{{ action }}">'
        '<input type="hidden" name="csrf_token" value="{{ csrf_token }}"></form>{% endblock %}',
        encoding="utf-8")
    themed = login_page(app_for(core, theme=str(tmp_path)), authorize(ui_locales="de"))
    assert "<h1>Anmelden · ACME</h1>" in themed.text and "#fdf6e3" in themed.text
    assert themed.headers["x-frame-options"] == "DENY"  # a theme keeps the security headers


def test_the_page_links_to_password_reset_and_registration_only_when_they_work(core: Core) -> None:
    bare = login_page(app_for(core))
    assert "password-reset" not in bare.text and "/register" not in bare.text
    mail_only = login_page(app_for(core, SMTP_HOST="smtp.example"), authorize(ui_locales="de"))
    assert '<a href="/api/v1/sso/password-reset?ui_locales=de">Passwort vergessen?</a>' in mail_only.text
    assert "/register" not in mail_only.text
    both = login_page(app_for(core, SMTP_HOST="smtp.example", SELF_REGISTRATION_ENABLED=True),
                      authorize(client_id="web", state="s"))
    link = re.search(r'<a href="(/api/v1/sso/register\?[^"]+)">Create an account</a>', both.text)
    assert link, both.text
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(link.group(1).replace("&amp;", "&")).query)
    assert query["return_to"] == [authorize(client_id="web", state="s")] and query["ui_locales"] == ["en"]


def test_passwordless_sign_in_adds_its_section_and_only_its_own_script(core: Core) -> None:
    request = Request({"type": "http", "method": "GET", "path": "/", "query_string": b"", "headers": []})
    page = render_login(identity_pages(passkeys=True), NoClients(), request, return_to="/", csrf_token="t")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1]
    assert 'data-passkeys="sign-in"' in bytes(page.body).decode()
    plain = render_login(identity_pages(), NoClients(), request, return_to="/", csrf_token="t")
    assert "script-src" not in plain.headers["content-security-policy"]
    assert "data-passkeys" not in bytes(plain.body).decode() and "<script" not in bytes(plain.body).decode()
