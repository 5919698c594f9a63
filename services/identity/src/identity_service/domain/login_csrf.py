"""The login form's CSRF token, bound to its cookie by an HMAC (OWASP CSRF Prevention
Cheat Sheet, "signed double-submit cookie").

Before sign-in there is no session to bind to, so the binding is to a cookie value only
this service can mint: `<random>.<HMAC(key, "cookie:" + random)>`. The form field is
HMAC(key, "form:" + random). A cookie planted by someone else (any well-formed string)
fails the first MAC, so it is neither accepted nor reused for the next page; a form
token cannot be made from a cookie without the key. The key is derived from the identity
service's own SECRET_KEY for this purpose alone. Nothing is stored.
"""

from __future__ import annotations

from authgate_common.core.crypto import constant_time_equal, keyed_hash, random_token

# 43 random characters, a dot, 64 hex digits (keyed_hash): anything longer is not ours.
MAX_COOKIE_LENGTH = 108


class LoginCsrf:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def mint(self) -> str:
        nonce = random_token(32)
        return f"{nonce}.{keyed_hash(self._key, 'cookie:' + nonce)}"

    def is_ours(self, cookie: str) -> bool:
        if not cookie or len(cookie) > MAX_COOKIE_LENGTH or "." not in cookie:
            return False
        nonce, _, mac = cookie.partition(".")
        return constant_time_equal(mac, keyed_hash(self._key, "cookie:" + nonce))

    def form_token(self, cookie: str) -> str:
        """The hidden field's value for this cookie (one this service minted)."""
        return keyed_hash(self._key, "form:" + cookie.partition(".")[0])

    def matches(self, cookie: str, submitted: str) -> bool:
        return (self.is_ours(cookie) and bool(submitted)
                and constant_time_equal(self.form_token(cookie), submitted))
