"""The issuer's signing keys (RFC 7517), fetched from its `jwks_uri` and held in memory.

Found through discovery (`<issuer>/.well-known/openid-configuration`) unless a JWKS URL is
given. An unknown `kid` fetches the set again — one fetch at a time, at most once every
`min_refresh_seconds` — so rotation's pre-published next key, and a key rotated in, are
picked up without a restart; the set is also read again after `max_age_seconds` so a
retired key leaves. Only RSA signing keys for RS256 are kept: a token can never name a
key of another kind (alg confusion), nor bring its own.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey, RSAPublicNumbers

from .errors import Unavailable

log = logging.getLogger(__name__)
Fetch = Callable[[str], dict[str, Any]]


def http_json(url: str, timeout: float = 3.0) -> dict[str, Any]:
    if not url.startswith(("https://", "http://")):
        raise ValueError("only http(s) URLs are fetched")
    with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - scheme checked above
        value = json.loads(resp.read(1 << 20))
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def _b64_int(value: Any) -> int:
    if not isinstance(value, str):
        raise ValueError("not base64url")
    return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")


def rsa_keys(jwks: dict[str, Any]) -> dict[str, RSAPublicKey]:
    """kid -> public key, for each RSA signing key usable with RS256."""
    keys: dict[str, RSAPublicKey] = {}
    for jwk in jwks.get("keys", []) if isinstance(jwks.get("keys"), list) else []:
        if not isinstance(jwk, dict) or jwk.get("kty") != "RSA" or not isinstance(jwk.get("kid"), str):
            continue
        if jwk.get("use", "sig") != "sig" or jwk.get("alg", "RS256") != "RS256":
            continue
        try:
            keys[jwk["kid"]] = RSAPublicNumbers(_b64_int(jwk["e"]), _b64_int(jwk["n"])).public_key()
        except (KeyError, ValueError) as exc:
            log.warning("ignored JWKS key %s: %s", jwk["kid"][:40], type(exc).__name__)
    return keys


class JwksCache:
    def __init__(self, issuer: str, jwks_url: str | None = None, *, fetch: Fetch = http_json,
                 min_refresh_seconds: float = 5.0, max_age_seconds: float = 300.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._issuer = issuer.rstrip("/")
        self._url = jwks_url
        self._fetch = fetch
        self._min_refresh = min_refresh_seconds
        self._max_age = max_age_seconds
        self._now = monotonic
        self._keys: dict[str, RSAPublicKey] = {}
        self._fetched_at: float | None = None
        self._tried_at: float | None = None
        self._lock = threading.Lock()

    def key(self, kid: str) -> RSAPublicKey | None:
        """The key for `kid`, fetching the set again when it is unknown (rate-limited)."""
        key = self._keys.get(kid)
        if key is not None and not self._stale():
            return key
        self.refresh()
        return self._keys.get(kid)

    def current(self, kid: str) -> RSAPublicKey | None:
        """The key held for `kid` right now, without fetching (the verified-token cache)."""
        return self._keys.get(kid)

    def _stale(self) -> bool:
        return self._fetched_at is None or self._now() - self._fetched_at >= self._max_age

    def refresh(self, force: bool = False) -> bool:
        """Fetch the set unless one was tried within `min_refresh_seconds` (one at a time:
        concurrent callers wait for it). False when nothing was fetched."""
        with self._lock:
            now = self._now()
            if not force and self._tried_at is not None and now - self._tried_at < self._min_refresh:
                return False
            self._tried_at = now
            try:
                keys = rsa_keys(self._fetch(self._jwks_url()))
            except Exception as exc:  # noqa: BLE001 - any failure: keep the keys we have
                log.warning("JWKS fetch failed (%s); keeping %d key(s)", type(exc).__name__, len(self._keys))
                if not self._keys:
                    raise Unavailable("The issuer's signing keys are not available.") from exc
                return False
            self._keys = keys
            self._fetched_at = now
            return True

    def _jwks_url(self) -> str:
        if self._url is None:
            discovery = self._fetch(self._issuer + "/.well-known/openid-configuration")
            url = discovery.get("jwks_uri")
            if not isinstance(url, str) or not url:
                raise ValueError("discovery names no jwks_uri")
            self._url = url
        return self._url
