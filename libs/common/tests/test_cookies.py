"""The one cookie rule every service follows: an https ISSUER means `__Host-` and Secure."""

from __future__ import annotations

import pytest
from authgate_common.cookies import CookieRule, cookie_name_problem, cookie_rule


@pytest.mark.parametrize("issuer", ["https://auth.example", "https://localhost:8443/", "HTTPS://A.example"])
def test_an_https_issuer_prefixes_the_name_and_makes_the_cookie_secure(issuer: str) -> None:
    rule = cookie_rule(issuer)
    assert rule == CookieRule(host_prefixed=True, secure=True)
    assert rule.name("sso_session") == "__Host-sso_session"
    assert rule.path("/api/v1/sso") == "/"  # __Host- demands Path=/


def test_secure_cannot_be_turned_off_with_an_https_issuer() -> None:
    assert cookie_rule("https://auth.example", force_secure=False).secure


def test_an_http_issuer_keeps_the_plain_name_and_scoped_path() -> None:
    rule = cookie_rule("http://localhost:8000")
    assert rule == CookieRule(host_prefixed=False, secure=False)
    assert rule.name("sso_session") == "sso_session" and rule.path("/api/v1/sso") == "/api/v1/sso"


def test_secure_can_be_forced_on_an_http_issuer_without_changing_the_name() -> None:
    # The name depends on ISSUER alone: a service that only reads the cookie agrees with
    # the one that sets it whatever SESSION_COOKIE_SECURE each was given.
    rule = cookie_rule("http://localhost:8000", force_secure=True)
    assert rule.secure and rule.name("sso_session") == "sso_session"


@pytest.mark.parametrize("name", ["__Host-sso", "__host-sso", "__Secure-sso", "a b", "a;b", "", "x" * 65])
def test_configured_names_are_plain_cookie_tokens(name: str) -> None:
    assert cookie_name_problem(name)


@pytest.mark.parametrize("name", ["sso_session", "my-sso.v2", "S"])
def test_ordinary_names_are_fine(name: str) -> None:
    assert cookie_name_problem(name) is None
