"""Multi-device sessions and global logout through the gateway (issue 4, items 3 and 4):
a user signed in on two devices sees both, ends one from the other, and logs out
everywhere; cross-site logouts and tokens without `read` are refused.

Access-token rejection after logout is not asserted here yet: the token service adopts
the revocation feed later.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from flowkit import AppClient, Flow, SignInUser, pkce_pair


def _bearer(flow: Flow, browser: httpx.Client, client: AppClient, scope: str) -> dict[str, str]:
    """An access token issued in this browser's session (so its `sid` is that session's)."""
    verifier, challenge = pkce_pair()
    code = flow.code(browser, client, challenge, scope=scope)
    resp = flow.exchange(client, code, verifier)
    assert resp.status_code == 200, resp.text
    return {"Authorization": "Bearer " + resp.json()["access_token"]}


def _same_origin(flow: Flow) -> dict[str, str]:
    return {"Origin": flow.base}


def _listed(browser: httpx.Client) -> dict[str, dict]:
    resp = browser.get("/api/v1/sessions")
    assert resp.status_code == 200, resp.text
    return {s["sid"]: s for s in resp.json()["sessions"]}


@contextmanager
def _two_devices(flow: Flow, user: SignInUser) -> Iterator[tuple[httpx.Client, str, httpx.Client, str]]:
    """Two cookie jars signed in as the same user: (laptop, its sid, phone, its sid)."""
    with flow.browser() as laptop, flow.browser() as phone:
        laptop.headers["User-Agent"] = "laptop-browser"
        phone.headers["User-Agent"] = "phone-browser"
        yield (laptop, flow.login(laptop, user).json()["sid"],
               phone, flow.login(phone, user).json()["sid"])


def test_two_devices_have_distinct_sessions_and_both_are_listed(flow: Flow) -> None:
    user = flow.user()
    with _two_devices(flow, user) as (laptop, laptop_sid, phone, phone_sid):
        assert laptop_sid != phone_sid
        listed = _listed(laptop)
        assert set(listed) == {laptop_sid, phone_sid}
        assert listed[laptop_sid]["current"] and not listed[phone_sid]["current"]
        assert listed[phone_sid]["user_agent"] == "phone-browser"
        assert {k for k, s in _listed(phone).items() if s["current"]} == {phone_sid}


def test_ending_one_device_leaves_the_other_working(flow: Flow) -> None:
    user = flow.user()
    with _two_devices(flow, user) as (laptop, laptop_sid, phone, phone_sid):
        resp = laptop.delete(f"/api/v1/sessions/{phone_sid}", headers=_same_origin(flow))
        assert resp.status_code == 204
        assert set(_listed(laptop)) == {laptop_sid}
        assert phone.get("/api/v1/sessions").status_code == 401
        # The laptop still has single sign-on: a code without a login page.
        client = flow.client()
        assert flow.authorize(laptop, client, challenge=pkce_pair()[1]).headers["location"] \
            .startswith(client.redirect_uri)


def test_someone_elses_device_is_not_found(flow: Flow) -> None:
    alice, mallory = flow.user(), flow.user()
    with flow.browser() as a, flow.browser() as m:
        alice_sid = flow.login(a, alice).json()["sid"]
        flow.login(m, mallory)
        resp = m.delete(f"/api/v1/sessions/{alice_sid}", headers=_same_origin(flow))
        assert resp.status_code == 404 and resp.json()["error"] == "not_found"
        assert alice_sid in _listed(a)


def test_global_logout_with_the_cookie_ends_every_session_and_clears_it(flow: Flow) -> None:
    user = flow.user()
    with _two_devices(flow, user) as (laptop, _, phone, _):
        resp = laptop.post("/api/v1/logout", headers=_same_origin(flow))
        assert resp.status_code == 200 and resp.json() == {"revoked_sessions": 2}
        set_cookie = resp.headers["set-cookie"].lower()
        assert set_cookie.startswith("sso_session=") and "max-age=0" in set_cookie
        assert laptop.cookies.get("sso_session") is None
        assert phone.get("/api/v1/sessions").status_code == 401
        with flow.browser() as again:
            flow.login(again, user)
            assert len(_listed(again)) == 1  # only the new session is alive


def test_logout_this_device_only(flow: Flow) -> None:
    user = flow.user()
    with _two_devices(flow, user) as (laptop, _, phone, phone_sid):
        resp = laptop.post("/api/v1/logout", params={"scope": "current"}, headers=_same_origin(flow))
        assert resp.status_code == 200 and resp.json() == {"revoked_sessions": 1}
        assert set(_listed(phone)) == {phone_sid}


def test_cookie_logout_from_another_site_is_refused(flow: Flow) -> None:
    user = flow.user()
    with flow.browser() as browser:
        sid = flow.login(browser, user).json()["sid"]
        resp = browser.post("/api/v1/logout", headers={"Origin": "https://evil.example"})
        assert resp.status_code == 403 and resp.json()["error"] == "access_denied"
        assert sid in _listed(browser)


def test_bearer_token_lists_sessions_and_needs_account(flow: Flow) -> None:
    user, client = flow.user(), flow.client(scopes="openid profile read account")
    with flow.browser() as browser:
        sid = flow.login(browser, user).json()["sid"]
        with_account = _bearer(flow, browser, client, "openid account")
        without_account = _bearer(flow, browser, client, "openid profile read")
    with httpx.Client(base_url=flow.base, timeout=30) as app:
        resp = app.get("/api/v1/sessions", headers=with_account)
        assert resp.status_code == 200
        assert [s["sid"] for s in resp.json()["sessions"] if s["current"]] == [sid]
        denied = app.get("/api/v1/sessions", headers=without_account)
        assert denied.status_code == 403 and denied.json()["error"] == "insufficient_scope"
        assert "insufficient_scope" in denied.headers["www-authenticate"]
        none = app.get("/api/v1/sessions")
        assert none.status_code == 401 and none.headers["www-authenticate"].startswith("Bearer")


def test_bearer_logout_needs_no_origin(flow: Flow) -> None:
    user, client = flow.user(), flow.client(scopes="openid account")
    with flow.browser() as browser:
        flow.login(browser, user)
        token = _bearer(flow, browser, client, "openid account")
        with httpx.Client(base_url=flow.base, timeout=30) as app:
            resp = app.post("/api/v1/logout", headers=token)
        assert resp.status_code == 200 and resp.json() == {"revoked_sessions": 1}
        assert browser.get("/api/v1/sessions").status_code == 401
