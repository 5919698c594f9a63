"""Authenticated encryption of small secrets (AES-256-GCM, NIST SP 800-38D) bound to
their context, so a TOTP secret copied to another row or user does not decrypt.

A TOTP secret must be readable to check a code, so unlike passwords it cannot be
hashed: the column holds nonce ‖ ciphertext ‖ tag under a key derived from the service's
SECRET_KEY for that purpose alone. The associated data names the row (user and factor).
The same box seals the secret of an enrolment in progress into its form (its own key).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import time

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12  # SP 800-38D §8.2: 96-bit random nonces


class SecretBox:
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, context: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, context.encode())

    def open(self, sealed: bytes, context: str) -> bytes | None:
        """The plaintext, or None when the blob was altered or sealed for another context."""
        if len(sealed) <= NONCE_BYTES:
            return None
        try:
            return self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context.encode())
        except InvalidTag:
            return None

    def seal_token(self, value: dict[str, str], context: str, ttl_seconds: int) -> str:
        """A URL-safe token carrying `value` until it expires (a form's hidden field)."""
        body = json.dumps({**value, "exp": int(time.time()) + ttl_seconds}).encode()
        return base64.urlsafe_b64encode(self.seal(body, context)).decode().rstrip("=")

    def open_token(self, token: str, context: str) -> dict[str, str] | None:
        if not token or len(token) > 1024:
            return None
        try:
            sealed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            return None
        body = self.open(sealed, context)
        if body is None:
            return None
        data = json.loads(body)
        if not isinstance(data, dict) or not isinstance(data.get("exp"), int) or data["exp"] < time.time():
            return None
        return {k: v for k, v in data.items() if isinstance(v, str)}
