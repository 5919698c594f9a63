"""Server-provided DPoP nonces (RFC 9449 §8, §9) that need no store.

A nonce is `<window>.<mac>`: the number of the current time window and an HMAC-SHA256 of
it under a secret every replica of the server shares (derived from its SECRET_KEY), so a
nonce any replica issued is good on every other one, and none can be made without the
secret. A nonce is good in the window it was issued in and the next one, so a client that
got one just before a window ends still has at least one window's length; every replica
hands out the same nonce within a window, so clients rarely have to retry.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable


class NonceIssuer:
    def __init__(self, secret: bytes, window_seconds: float = 120.0,
                 clock: Callable[[], float] = time.time) -> None:
        if len(secret) < 32:
            raise ValueError("a DPoP nonce secret needs at least 32 bytes")
        self._secret = secret
        self._window = window_seconds
        self._clock = clock

    def _mac(self, window: int) -> str:
        return hmac.new(self._secret, f"dpop-nonce:{window}".encode(), hashlib.sha256).hexdigest()[:32]

    def _now(self) -> int:
        return int(self._clock() // self._window)

    def current(self) -> str:
        """The nonce to send in `DPoP-Nonce` now."""
        window = self._now()
        return f"{window}.{self._mac(window)}"

    def is_valid(self, nonce: str | None) -> bool:
        """Issued by a replica of this server in this window or the one before."""
        if not nonce or len(nonce) > 64:
            return False
        window, _, mac = nonce.partition(".")
        if not (window.isascii() and window.isdigit()):
            return False
        issued = int(window)
        if not 0 <= self._now() - issued <= 1:
            return False
        return hmac.compare_digest(mac, self._mac(issued))
