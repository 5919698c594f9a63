"""The tokens in account links: 256 random bits, stored only as a keyed hash.

OWASP Forgot Password Cheat Sheet ("URL tokens": random, long, single use, expiring,
stored securely) and NIST SP 800-63B §5.1.1.2: the database holds HMAC-SHA-256 of the
token under a key derived from the service's SECRET_KEY, so a leaked table opens no link.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from authgate_common.core.crypto import keyed_hash, random_token
from authgate_common.core.errors import InvalidRequest

from ..users import User
from .ports import AccountToken

TOKEN_PURPOSE_KEY = "identity/account-link-token"  # derive_key purpose
MAX_TOKEN_CHARS = 128  # random_token(32) is 43; anything far longer is not ours


class InvalidLink(InvalidRequest):
    """The link's token is unknown, used, expired or no longer matches its account."""

    default_description = "This link is invalid, was already used or has expired."


class LinkTokens:
    def __init__(self, key: bytes, now: Callable[[], datetime]) -> None:
        self._key = key
        self._now = now

    def now(self) -> datetime:
        return self._now()

    def mint(self, purpose: str, user: User, ttl_seconds: int) -> tuple[str, AccountToken]:
        """(the token for the link, its stored form)."""
        raw = random_token(32)
        now = self.now()
        return raw, AccountToken(token_hash=self.hash(raw), purpose=purpose, user_id=user.id,
                                 email_key=user.email_key, created_at=now,
                                 expires_at=now + timedelta(seconds=ttl_seconds))

    def hash(self, raw: str) -> str:
        """The stored form of a token from a link; InvalidLink for what no token looks like."""
        if not raw or len(raw) > MAX_TOKEN_CHARS or not raw.isascii():
            raise InvalidLink()
        return keyed_hash(self._key, raw)
