"""Small HMAC-signed values that travel through the browser and come back (the pending
consent request, the fresh-login marker). The browser may read them but cannot change
them: `base64url(JSON) "." base64url(HMAC-SHA256)`, verified in constant time before the
JSON is even parsed (base64url as in JWS: authgate_common.core.jws). Expiry is the
caller's business (each payload carries its time)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from authgate_common.core.jws import b64url_decode, b64url_encode

MAX_LENGTH = 4096


class Signer:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, body: str) -> str:
        return b64url_encode(hmac.new(self._key, body.encode("ascii"), hashlib.sha256).digest())

    def sign(self, payload: dict[str, Any]) -> str:
        body = b64url_encode(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8"))
        return f"{body}.{self._mac(body)}"

    def verify(self, token: str) -> dict[str, Any] | None:
        """The payload when the signature is ours, else None (never raises on bad input)."""
        if not token or len(token) > MAX_LENGTH or token.count(".") != 1 or not token.isascii():
            return None
        body, mac = token.split(".")
        if not hmac.compare_digest(mac.encode("ascii"), self._mac(body).encode("ascii")):
            return None
        try:
            data = json.loads(b64url_decode(body))
        except ValueError:
            return None
        return data if isinstance(data, dict) else None
