"""Keyed hashes and random secrets: store what you can verify, never the raw value."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def derive_key(root_secret: str, purpose: str) -> bytes:
    """A separate 256-bit key per purpose, so one leaked hash table says nothing of another."""
    return hmac.new(root_secret.encode(), b"authgate/" + purpose.encode(), hashlib.sha256).digest()


def keyed_hash(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def random_token(nbytes: int = 32) -> str:
    """URL-safe random string with nbytes of entropy (256 bits by default)."""
    return secrets.token_urlsafe(nbytes)
