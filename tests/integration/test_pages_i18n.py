"""The pages in the person's language, through the gateway: ui_locales given on /authorize
reaches the login page inside return_to; Accept-Language works without it; the login page
names the client from its registration (identity asks authorization's DescribeClient);
the consent and error pages follow the authorization request's ui_locales too."""

from __future__ import annotations

import urllib.parse

import httpx
from flowkit import AppClient, Flow, pkce_pair


def authorize(flow: Flow, browser: httpx.Client, client: AppClient, **params: str) -> httpx.Response:
    return flow.authorize(browser, client, challenge=pkce_pair()[1], scope="openid profile read",
                          nonce="n", **params)


def login_page_after(flow: Flow, browser: httpx.Client, client: AppClient,
                     headers: dict[str, str] | None = None, **params: str) -> httpx.Response:
    resp = authorize(flow, browser, client, **params)
    assert resp.status_code == 302, resp.text
    location = resp.headers["location"]
    assert location.startswith("/api/v1/sso/login?")
    page = browser.get(location, headers=headers or {})
    assert page.status_code == 200
    return page


def test_ui_locales_on_authorize_gives_a_german_login_page_naming_the_client(flow: Flow) -> None:
    client = flow.client("--name", "Photo Printer")
    with flow.browser() as browser:
        page = login_page_after(flow, browser, client, {"accept-language": "en"}, ui_locales="de")
    assert '<html lang="de">' in page.text and page.headers["content-language"] == "de"
    assert "<h1>Bei Photo Printer anmelden</h1>" in page.text
    assert '<label for="username">Benutzername</label>' in page.text
    assert '<label for="password">Passwort</label>' in page.text


def test_accept_language_gives_german_and_english_stays_the_default(flow: Flow) -> None:
    client = flow.client("--name", "Photo Printer")
    with flow.browser() as browser:
        german = login_page_after(flow, browser, client, {"accept-language": "de-DE,de;q=0.9"})
        english = login_page_after(flow, browser, client)
    assert '<html lang="de">' in german.text and "Bei Photo Printer anmelden" in german.text
    assert '<html lang="en">' in english.text and "<h1>Sign in to Photo Printer</h1>" in english.text


def test_a_client_without_a_name_or_an_unknown_one_gets_the_plain_title(flow: Flow) -> None:
    with flow.browser() as browser:
        unknown = browser.get("/api/v1/sso/login", params={
            "return_to": "/api/v1/oauth/authorize?client_id=nobody&ui_locales=de"})
    assert unknown.status_code == 200 and "<h1>Anmelden</h1>" in unknown.text


def test_a_wrong_password_is_reported_in_german(flow: Flow) -> None:
    user, client = flow.user(), flow.client("--name", "Photo Printer")
    with flow.browser() as browser:
        page = login_page_after(flow, browser, client, ui_locales="de")
        fields = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(str(page.url)).query))
        csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        resp = browser.post("/api/v1/sso/login", data={
            "username": user.username, "password": "not the password", "csrf_token": csrf,
            "return_to": fields["return_to"]})
    assert resp.status_code == 401 and '<html lang="de">' in resp.text
    assert "Benutzername oder Passwort ist falsch." in resp.text and 'aria-invalid="true"' in resp.text


def test_the_consent_page_follows_ui_locales(flow: Flow) -> None:
    user = flow.user()
    client = flow.client("--name", "Photo Printer", scopes="openid profile read", first_party=False)
    with flow.browser() as browser:
        flow.login(browser, user)
        page = authorize(flow, browser, client, ui_locales="de")
        english = authorize(flow, browser, client)
    assert page.status_code == 200 and '<html lang="de">' in page.text
    assert "<h1>Darf Photo Printer Ihr Konto verwenden?</h1>" in page.text
    assert "<li>Ihre Identität bestätigen</li>" in page.text and ">Erlauben</button>" in page.text
    assert "<h1>Allow Photo Printer to use your account?</h1>" in english.text


def test_the_error_page_follows_accept_language(flow: Flow) -> None:
    with flow.browser() as browser:
        resp = browser.get("/api/v1/oauth/authorize", params={"client_id": "nobody"},
                           headers={"accept-language": "de"})
    assert resp.status_code == 400 and '<html lang="de">' in resp.text
    assert "Diese Anmeldeanfrage kann nicht fortgesetzt werden" in resp.text
