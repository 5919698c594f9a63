"""Consent through the gateway (OIDC Core §3.1.2.4; RFC 6749 §4.1.2.1; RFC 9207): the
page for an application that is not first-party, remembered per user, client and scope
set; a new scope asks again; deny → access_denied with state and iss; prompt=consent;
prompt=none → consent_required; withdrawal → the page again."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from flowkit import AppClient, Flow, SignInUser, pkce_pair

SCOPES = "openid profile email read write"


def third_party(flow: Flow, name: str = "Partner App") -> AppClient:
    """A client registered without --first-party: it gets the consent page."""
    return flow.client("--name", name, scopes=SCOPES, first_party=False)


def query(location: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


def hidden_fields(page: httpx.Response) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text))


@contextmanager
def signed_in(flow: Flow, user: SignInUser | None = None) -> Iterator[httpx.Client]:
    with flow.browser() as browser:
        flow.login(browser, user or flow.user())
        yield browser


def answer(browser: httpx.Client, page: httpx.Response, decision: str) -> httpx.Response:
    return browser.post("/api/v1/oauth/consent", data={**hidden_fields(page), "decision": decision})


def test_first_time_the_page_then_allow_gives_a_code_and_tokens(flow: Flow) -> None:
    client = third_party(flow)
    verifier, challenge = pkce_pair()
    with signed_in(flow) as browser:
        page = flow.authorize(browser, client, challenge=challenge, scope="openid profile email")
        assert page.status_code == 200, page.text
        assert page.headers["content-type"].startswith("text/html")
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"
        for words in ("Partner App", "Confirm your identity", "Your name and username",
                      "Your email address"):
            assert words in page.text
        allowed = answer(browser, page, "allow")
        assert allowed.status_code == 303
        assert allowed.headers["location"].startswith(client.redirect_uri + "?")
        params = query(allowed.headers["location"])
        assert params["state"] == "st-1" and params["iss"] == flow.base and params["code"]
    tokens = flow.exchange(client, params["code"], verifier)
    assert tokens.status_code == 200, tokens.text
    assert set(tokens.json()["scope"].split()) == {"openid", "profile", "email"}


def test_second_time_no_page_and_a_new_scope_asks_again(flow: Flow) -> None:
    client = third_party(flow)
    with signed_in(flow) as browser:
        page = flow.authorize(browser, client, challenge=pkce_pair()[1], scope="openid read")
        assert answer(browser, page, "allow").status_code == 303
        for scope in ("openid read", "read"):
            again = flow.authorize(browser, client, challenge=pkce_pair()[1], scope=scope)
            assert again.status_code == 302 and "code" in query(again.headers["location"])
        wider = flow.authorize(browser, client, challenge=pkce_pair()[1], scope="openid read write")
        assert wider.status_code == 200 and "Change your data" in wider.text


def test_deny_returns_access_denied_with_state_and_iss(flow: Flow) -> None:
    client = third_party(flow)
    with signed_in(flow) as browser:
        page = flow.authorize(browser, client, challenge=pkce_pair()[1], state="keep-me")
        denied = answer(browser, page, "deny")
    assert denied.status_code == 303 and denied.headers["location"].startswith(client.redirect_uri + "?")
    params = query(denied.headers["location"])
    assert params["error"] == "access_denied" and "code" not in params
    assert params["state"] == "keep-me" and params["iss"] == flow.base


def test_prompt_consent_shows_the_page_again(flow: Flow) -> None:
    client = third_party(flow)
    with signed_in(flow) as browser:
        answer(browser, flow.authorize(browser, client, challenge=pkce_pair()[1]), "allow")
        forced = flow.authorize(browser, client, challenge=pkce_pair()[1], prompt="consent")
        assert forced.status_code == 200 and 'value="allow"' in forced.text


def test_prompt_none_without_consent_is_consent_required(flow: Flow) -> None:
    client = third_party(flow)
    with signed_in(flow) as browser:
        resp = flow.authorize(browser, client, challenge=pkce_pair()[1], prompt="none")
        assert resp.status_code == 302
        params = query(resp.headers["location"])
        assert params["error"] == "consent_required" and params["state"] == "st-1"
        answer(browser, flow.authorize(browser, client, challenge=pkce_pair()[1]), "allow")
        silent = flow.authorize(browser, client, challenge=pkce_pair()[1], prompt="none")
        assert "code" in query(silent.headers["location"])


def test_listed_withdrawn_and_then_asked_again(flow: Flow) -> None:
    client = third_party(flow, name="Withdrawn App")
    with signed_in(flow) as browser:
        answer(browser, flow.authorize(browser, client, challenge=pkce_pair()[1]), "allow")
        listed = browser.get("/api/v1/consents")
        assert listed.status_code == 200
        mine = [c for c in listed.json()["consents"] if c["client_id"] == client.client_id]
        assert mine and mine[0]["client_name"] == "Withdrawn App"
        assert set(mine[0]["scopes"]) == {"openid", "profile", "email", "read"}

        forged = browser.delete(f"/api/v1/consents/{client.client_id}",
                                headers={"origin": "https://evil.example"})
        assert forged.status_code == 403
        withdrawn = browser.delete(f"/api/v1/consents/{client.client_id}", headers={"origin": flow.base})
        assert withdrawn.status_code == 204
        assert browser.delete(f"/api/v1/consents/{client.client_id}",
                              headers={"origin": flow.base}).status_code == 404
        assert browser.get("/api/v1/consents").json()["consents"] == []
        again = flow.authorize(browser, client, challenge=pkce_pair()[1])
        assert again.status_code == 200 and 'value="allow"' in again.text


def test_consents_need_a_session(flow: Flow) -> None:
    with flow.browser() as anonymous:
        resp = anonymous.get("/api/v1/consents")
    assert resp.status_code == 401 and "www-authenticate" in resp.headers


def test_a_consent_post_without_the_csrf_token_is_refused(flow: Flow) -> None:
    client = third_party(flow)
    with signed_in(flow) as browser:
        page = flow.authorize(browser, client, challenge=pkce_pair()[1])
        fields = hidden_fields(page)
        del fields["csrf_token"]
        resp = browser.post("/api/v1/oauth/consent", data={**fields, "decision": "allow"})
        assert resp.status_code == 400 and "location" not in resp.headers
        # Another user's token does not fit this session either.
        with signed_in(flow) as other:
            theirs = hidden_fields(flow.authorize(other, client, challenge=pkce_pair()[1]))
        resp = browser.post("/api/v1/oauth/consent",
                            data={**hidden_fields(page), "csrf_token": theirs["csrf_token"],
                                  "decision": "allow"})
        assert resp.status_code == 400 and "location" not in resp.headers
