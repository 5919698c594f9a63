"""The client's side: a DPoP key pair that signs proofs (RFC 9449 §4.2).

For Python clients of authgate (and the tests): keep one `DPoPKey` for the life of the
tokens bound to it, and sign a new proof for every request.

    key = DPoPKey.generate()
    proof = key.proof("POST", "https://auth.example.com/api/v1/oauth/token", nonce=nonce)
    proof = key.proof("GET", "https://api.example.com/orders", access_token=token)
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from .proofs import TYP, access_token_hash, thumbprint


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _uint(value: int, size: int | None = None) -> str:
    size = size or (value.bit_length() + 7) // 8
    return _b64(value.to_bytes(size, "big"))


@dataclass(frozen=True)
class DPoPKey:
    alg: str
    private_key: Any

    @classmethod
    def generate(cls, alg: str = "ES256") -> DPoPKey:
        if alg == "ES256":
            return cls(alg, ec.generate_private_key(ec.SECP256R1()))
        if alg == "ES384":
            return cls(alg, ec.generate_private_key(ec.SECP384R1()))
        if alg in ("RS256", "PS256"):
            return cls(alg, rsa.generate_private_key(public_exponent=65537, key_size=2048))
        if alg == "EdDSA":
            return cls(alg, Ed25519PrivateKey.generate())
        raise ValueError(f"unsupported DPoP algorithm {alg}")

    @property
    def jwk(self) -> dict[str, str]:
        """The public JWK that goes in every proof's header."""
        public = self.private_key.public_key()
        if isinstance(public, ec.EllipticCurvePublicKey):
            size = (public.curve.key_size + 7) // 8
            numbers = public.public_numbers()
            crv = "P-256" if size == 32 else "P-384"
            return {"kty": "EC", "crv": crv, "x": _uint(numbers.x, size), "y": _uint(numbers.y, size)}
        if isinstance(public, rsa.RSAPublicKey):
            rn = public.public_numbers()
            return {"kty": "RSA", "n": _uint(rn.n), "e": _uint(rn.e)}
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
        raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": _b64(raw)}

    @property
    def jkt(self) -> str:
        """The thumbprint a bound token's `cnf.jkt` names (RFC 7638)."""
        return thumbprint(self.jwk)

    def proof(self, method: str, url: str, *, access_token: str | None = None, nonce: str | None = None,
              jti: str | None = None, iat: float | None = None, header: dict[str, Any] | None = None,
              claims: dict[str, Any] | None = None) -> str:
        """A proof for one request; `header` and `claims` override fields (for tests of refusals)."""
        head: dict[str, Any] = {"typ": TYP, "alg": self.alg, "jwk": self.jwk} | (header or {})
        body: dict[str, Any] = {"jti": jti or secrets.token_urlsafe(16), "htm": method.upper(), "htu": url,
                                "iat": int(time.time() if iat is None else iat)}
        if access_token is not None:
            body["ath"] = access_token_hash(access_token)
        if nonce is not None:
            body["nonce"] = nonce
        body |= claims or {}
        signing_input = (_b64(json.dumps(head, separators=(",", ":")).encode()) + "."
                         + _b64(json.dumps(body, separators=(",", ":")).encode()))
        return signing_input + "." + _b64(self._sign(signing_input.encode("ascii")))

    def _sign(self, data: bytes) -> bytes:
        key = self.private_key
        if self.alg in ("ES256", "ES384"):
            digest = hashes.SHA256() if self.alg == "ES256" else hashes.SHA384()
            r, s = decode_dss_signature(key.sign(data, ec.ECDSA(digest)))
            size = 32 if self.alg == "ES256" else 48
            return r.to_bytes(size, "big") + s.to_bytes(size, "big")
        if self.alg == "RS256":
            return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        if self.alg == "PS256":
            return key.sign(data, padding.PSS(padding.MGF1(hashes.SHA256()), hashes.SHA256().digest_size),
                            hashes.SHA256())
        return key.sign(data)
