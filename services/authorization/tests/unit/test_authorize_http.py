"""The HTTP shell of /api/v1/oauth/authorize over the faked core: status codes, headers,
the escaped error page, and POST with form parameters (OIDC Core §3.1.2.1)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

PATH = "/api/v1/oauth/authorize"


@pytest.fixture
def http(core):
    core.register()
    with TestClient(core.service.http_app, follow_redirects=False) as client:
        yield client


def test_redirect_carries_no_store(core, http, pkce) -> None:
    cookie, _ = core.sessions.sign_in()
    http.cookies.set("__Host-sso_session", cookie)
    resp = http.get(PATH, params=core.valid_params(pkce[1]))
    assert resp.status_code == 302
    assert resp.headers["cache-control"] == "no-store"
    assert "code" in core.query(resp.headers["location"])


def test_error_page_escapes_and_is_not_cached(http) -> None:
    resp = http.get(PATH, params={"client_id": "<script>alert(1)</script>", "response_type": "code"})
    assert resp.status_code == 400 and "location" not in resp.headers
    assert resp.headers["content-type"].startswith("text/html")
    assert resp.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]
    assert "<script>" not in resp.text


def test_duplicate_query_parameter_is_a_page(core, http, pkce) -> None:
    query = "&".join(f"{k}={v}" for k, v in core.valid_params(pkce[1]).items())
    resp = http.get(f"{PATH}?{query}&state=again")
    assert resp.status_code == 400 and "location" not in resp.headers


def test_login_redirect_keeps_the_raw_query(core, http, pkce) -> None:
    resp = http.get(PATH, params=core.valid_params(pkce[1]))
    assert resp.status_code == 302
    location = resp.headers["location"]
    assert location.startswith("/api/v1/sso/login?return_to=")
    return_to = core.query(location)["return_to"]
    assert return_to == f"{PATH}?{resp.request.url.query.decode()}"


def test_post_form_runs_the_same_pipeline(core, http, pkce) -> None:
    cookie, _ = core.sessions.sign_in()
    http.cookies.set("__Host-sso_session", cookie)
    resp = http.post(PATH, data=core.valid_params(pkce[1]))
    assert resp.status_code == 302
    assert set(core.query(resp.headers["location"])) == {"code", "state", "iss"}


def test_behind_an_https_issuer_only_the_host_prefixed_cookie_signs_in(core, http, pkce) -> None:
    # ISSUER is https here: the identity service sets __Host-sso_session, never the plain
    # name, so a plain sso_session (planted from a sibling subdomain or over http) is ignored.
    cookie, _ = core.sessions.sign_in()
    http.cookies.set("sso_session", cookie)
    resp = http.get(PATH, params=core.valid_params(pkce[1]))
    assert resp.status_code == 302 and resp.headers["location"].startswith("/api/v1/sso/login?")


def test_post_without_session_returns_through_get(core, http, pkce) -> None:
    params = core.valid_params(pkce[1])
    resp = http.post(PATH, data=params)
    return_to = core.query(resp.headers["location"])["return_to"]
    assert return_to.startswith(PATH + "?") and core.query(return_to) == params


@pytest.mark.parametrize("body, content_type", [
    (b"client_id=web", "application/json"), (b"client_id=\xff", "application/x-www-form-urlencoded")])
def test_post_with_a_bad_body_is_a_page(http, body, content_type) -> None:
    resp = http.post(PATH, content=body, headers={"content-type": content_type})
    assert resp.status_code == 400 and "location" not in resp.headers


def test_session_service_down_is_503_json(core, http, pkce) -> None:
    core.sessions.down = True
    http.cookies.set("__Host-sso_session", "whatever")
    resp = http.get(PATH, params=core.valid_params(pkce[1]))
    assert resp.status_code == 503
    assert resp.json()["error"] == "temporarily_unavailable"
    assert resp.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("query", [
    "client_id=%ff", "client_id=web%00", "client_id=web&redirect_uri=%0d%0aX:y", "%ff=%fe", "a", "&&=&"])
def test_malformed_query_is_a_page_not_a_crash(http, query) -> None:
    resp = http.get(f"{PATH}?{query}")
    assert resp.status_code == 400 and "location" not in resp.headers
