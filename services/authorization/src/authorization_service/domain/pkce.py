"""PKCE (RFC 7636): S256 only. A challenge is BASE64URL(SHA256(verifier)) without padding,
43 characters; a verifier is 43-128 unreserved characters (RFC 7636 §4.1, §4.2)."""

from __future__ import annotations

import base64
import hashlib
import re

from authgate_common.core.crypto import constant_time_equal

S256 = "S256"
_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


def is_valid_challenge(challenge: str) -> bool:
    return bool(_CHALLENGE.match(challenge))


def is_valid_verifier(verifier: str) -> bool:
    return bool(_VERIFIER.match(verifier))


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verifier_matches(verifier: str, challenge: str) -> bool:
    """RFC 7636 §4.6, compared in constant time."""
    return constant_time_equal(s256(verifier), challenge)
