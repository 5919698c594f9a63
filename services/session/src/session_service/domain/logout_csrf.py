"""The token on the sign-out confirmation form (OWASP CSRF cheat sheet, "synchronizer
token", stateless variant): an HMAC of the session id and an expiry, so only a page we
served to this session, recently, can confirm its logout. Nothing is stored."""

from __future__ import annotations

from datetime import datetime

from authgate_common.core.crypto import constant_time_equal, keyed_hash

MAX_TOKEN_LENGTH = 128


class LogoutCsrf:
    def __init__(self, key: bytes, ttl_seconds: int) -> None:
        self._key = key
        self._ttl = ttl_seconds

    def issue(self, sid: str, now: datetime) -> str:
        expires = int(now.timestamp()) + self._ttl
        return f"{expires}.{keyed_hash(self._key, f'{sid}.{expires}')}"

    def verify(self, token: str, sid: str, now: datetime) -> bool:
        if not token or len(token) > MAX_TOKEN_LENGTH or "." not in token:
            return False
        expires, _, mac = token.partition(".")
        if not expires.isdigit() or int(expires) < now.timestamp():
            return False
        return constant_time_equal(mac, keyed_hash(self._key, f"{sid}.{expires}"))
