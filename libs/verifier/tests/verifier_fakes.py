"""Fakes for the verifier's unit tests: an issuer's RSA keys, tokens it signs, a JWKS fetch
that counts, clocks the test moves."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ISSUER = "https://auth.example"
AUDIENCE = "urn:authgate:api"
NOW = 1_900_000_000.0


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def segment(value: dict[str, Any]) -> str:
    return b64(json.dumps(value).encode())


@dataclass
class Clock:
    now: float = NOW

    def __call__(self) -> float:
        return self.now


@dataclass
class Issuer:
    keys: dict[str, rsa.RSAPrivateKey] = field(default_factory=dict)
    fetches: int = 0
    published: list[str] = field(default_factory=list)  # kids in the JWKS

    def new_key(self, kid: str, publish: bool = True) -> str:
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if publish:
            self.published.append(kid)
        return kid

    def jwk(self, kid: str) -> dict[str, Any]:
        numbers = self.keys[kid].public_key().public_numbers()
        return {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
                "n": b64(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
                "e": b64(numbers.e.to_bytes(3, "big"))}

    def fetch(self, url: str) -> dict[str, Any]:
        if url.endswith("/.well-known/openid-configuration"):
            return {"issuer": ISSUER, "jwks_uri": ISSUER + "/jwks"}
        self.fetches += 1
        return {"keys": [self.jwk(k) for k in self.published]}

    def claims(self, **over: Any) -> dict[str, Any]:
        base = {"iss": ISSUER, "sub": "user-1", "client_id": "app", "aud": [AUDIENCE, "other"],
                "scope": "openid read", "jti": uuid.uuid4().hex, "iat": int(NOW), "exp": int(NOW) + 900,
                "sid": "sid-1"}
        base.update(over)
        return {k: v for k, v in base.items() if v is not None}

    def token(self, kid: str | None = None, header: dict[str, Any] | None = None, **claims: Any) -> str:
        kid = kid or self.published[0]
        head = {"alg": "RS256", "typ": "at+jwt", "kid": kid, **(header or {})}
        signing_input = f"{segment(head)}.{segment(self.claims(**claims))}"
        sig = self.keys[kid].sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{b64(sig)}"

    def hs256_with_public_key(self, kid: str) -> str:
        """The alg-confusion attack: HMAC keyed with the published public key."""
        from cryptography.hazmat.primitives import serialization
        pem = self.keys[kid].public_key().public_bytes(serialization.Encoding.PEM,
                                                        serialization.PublicFormat.SubjectPublicKeyInfo)
        signing_input = f"{segment({'alg': 'HS256', 'typ': 'at+jwt', 'kid': kid})}.{segment(self.claims())}"
        return f"{signing_input}.{b64(hmac.new(pem, signing_input.encode(), hashlib.sha256).digest())}"

    def unsigned(self) -> str:
        return f"{segment({'alg': 'none', 'typ': 'at+jwt'})}.{segment(self.claims())}."
