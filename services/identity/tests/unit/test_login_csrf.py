"""The login form's CSRF token is bound to its cookie by an HMAC: a cookie this service did
not mint, however well-formed, is refused, and no token can be made without the key."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from authgate_common.core.crypto import derive_key
from identity_service.domain.login_csrf import LoginCsrf

KEY = derive_key("x" * 48, "identity/login-csrf")


def test_a_minted_cookie_and_its_form_token_match() -> None:
    csrf = LoginCsrf(KEY)
    cookie = csrf.mint()
    assert csrf.is_ours(cookie) and csrf.matches(cookie, csrf.form_token(cookie))


def test_the_form_token_is_not_the_cookie_value() -> None:
    csrf = LoginCsrf(KEY)
    cookie = csrf.mint()
    assert csrf.form_token(cookie) not in cookie
    assert not csrf.matches(cookie, cookie) and not csrf.matches(cookie, cookie.partition(".")[0])


def test_a_planted_well_formed_cookie_is_refused_whatever_the_form_says() -> None:
    csrf = LoginCsrf(KEY)
    planted = secrets.token_urlsafe(32)
    assert not csrf.is_ours(planted)
    assert not csrf.matches(planted, planted)
    # Even with a form token computed the way the service would: the cookie is not ours.
    forged = f"{planted}.{'0' * 64}"
    assert not csrf.matches(forged, csrf.form_token(forged))


def test_another_key_mints_nothing_this_one_accepts() -> None:
    ours, theirs = LoginCsrf(KEY), LoginCsrf(derive_key("y" * 48, "identity/login-csrf"))
    cookie = theirs.mint()
    assert not ours.is_ours(cookie) and not ours.matches(cookie, theirs.form_token(cookie))


def test_the_form_token_is_an_hmac_of_the_cookie_under_the_derived_key() -> None:
    csrf = LoginCsrf(KEY)
    cookie = csrf.mint()
    nonce = cookie.partition(".")[0]
    assert csrf.form_token(cookie) == hmac.new(KEY, b"form:" + nonce.encode(), hashlib.sha256).hexdigest()


def test_tokens_of_two_cookies_differ_and_do_not_cross() -> None:
    csrf = LoginCsrf(KEY)
    one, two = csrf.mint(), csrf.mint()
    assert not csrf.matches(one, csrf.form_token(two))


def test_empty_and_oversized_values_are_refused() -> None:
    csrf = LoginCsrf(KEY)
    cookie = csrf.mint()
    assert not csrf.matches(cookie, "") and not csrf.matches("", "")
    assert not csrf.is_ours(cookie + "." + "a" * 200)
