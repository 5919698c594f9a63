"""A private_key_jwt client's registered keys (RFC 7517 JWKS; RFC 7518 §3.3, §3.4, §3.5, §6).

Only public RSA keys of 2048 bits or more and EC P-256 keys are taken, each with a
unique `kid`; a key carrying any private member is refused outright (whoever sent it
has leaked it). What is stored is a normalised copy holding only the members used here,
so a registered `x5u` or `jku` can never be followed later.

Signatures are checked with `cryptography` directly: the algorithm comes from an
allow-list and must fit the key type (an RSA key never verifies ES256, and no HMAC is
ever computed), so a public key cannot be turned into an HMAC secret.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from authgate_common.core.errors import InvalidRequest
from authgate_common.core.jws import b64url_decode
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

ALGS_BY_KTY = {"RSA": ("RS256", "PS256"), "EC": ("ES256",)}
SIGNING_ALGS = ("RS256", "PS256", "ES256")
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
MAX_JWKS_CHARS = 16384
MAX_KEYS = 10
MAX_KID_CHARS = 200
MIN_RSA_BITS = 2048
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey


@dataclass(frozen=True)
class ClientKey:
    kid: str
    kty: str
    alg: str  # empty: any algorithm of the key type
    key: PublicKey

    def allows(self, alg: str) -> bool:
        return alg in ALGS_BY_KTY[self.kty] and (not self.alg or self.alg == alg)

    def verify(self, alg: str, signature: bytes, signing_input: bytes) -> bool:
        if not self.allows(alg):
            return False
        try:
            if isinstance(self.key, rsa.RSAPublicKey):
                pad = (padding.PKCS1v15() if alg == "RS256" else
                       padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH))
                self.key.verify(signature, signing_input, pad, hashes.SHA256())
            else:
                if len(signature) != 64:  # RFC 7518 §3.4: R and S, 32 octets each
                    return False
                der = encode_dss_signature(int.from_bytes(signature[:32], "big"),
                                           int.from_bytes(signature[32:], "big"))
                self.key.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True


def _int(jwk: dict[str, Any], name: str) -> int:
    return int.from_bytes(b64url_decode(jwk.get(name, "")), "big")


def _public_key(jwk: dict[str, Any]) -> PublicKey:
    if jwk["kty"] == "RSA":
        n, e = _int(jwk, "n"), _int(jwk, "e")
        if n.bit_length() < MIN_RSA_BITS or e < 3 or e % 2 == 0:
            raise ValueError(f"an RSA key must have at least {MIN_RSA_BITS} bits and an odd exponent")
        return rsa.RSAPublicNumbers(e, n).public_key()
    if jwk.get("crv") != "P-256":
        raise ValueError("an EC key must be on curve P-256 (ES256)")
    x, y = b64url_decode(jwk.get("x", "")), b64url_decode(jwk.get("y", ""))
    if len(x) != 32 or len(y) != 32:
        raise ValueError("a P-256 key has 32-octet x and y")
    # Raises ValueError for a point not on the curve.
    return ec.EllipticCurvePublicNumbers(int.from_bytes(x, "big"), int.from_bytes(y, "big"),
                                         ec.SECP256R1()).public_key()


def _checked(jwk: Any) -> tuple[dict[str, Any], ClientKey]:
    if not isinstance(jwk, dict):
        raise ValueError("each key must be a JSON object")
    if PRIVATE_MEMBERS & jwk.keys():
        raise ValueError("it holds private key material; register public keys only")
    kty, kid, alg, use = jwk.get("kty"), jwk.get("kid"), jwk.get("alg", ""), jwk.get("use", "sig")
    if kty not in ALGS_BY_KTY:
        raise ValueError("kty must be RSA or EC")
    if not isinstance(kid, str) or not kid or len(kid) > MAX_KID_CHARS or not kid.isprintable():
        raise ValueError(f"each key needs a kid of 1-{MAX_KID_CHARS} printable characters")
    if use != "sig":
        raise ValueError("use must be sig")
    if alg and alg not in ALGS_BY_KTY[kty]:
        raise ValueError(f"alg must be one of {', '.join(ALGS_BY_KTY[kty])} for a {kty} key")
    key = _public_key(jwk)
    members = ("n", "e") if kty == "RSA" else ("crv", "x", "y")
    normal = {"kty": kty, "kid": kid, "use": "sig", **({"alg": alg} if alg else {}),
              **{m: jwk[m] for m in members}}
    return normal, ClientKey(kid, kty, alg, key)


def _parse(text: str) -> list[tuple[dict[str, Any], ClientKey]]:
    if len(text) > MAX_JWKS_CHARS:
        raise ValueError(f"the JWKS must be at most {MAX_JWKS_CHARS} characters")
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ValueError("the JWKS is not valid JSON") from exc
    keys = doc.get("keys") if isinstance(doc, dict) else None
    if not isinstance(keys, list) or not 1 <= len(keys) <= MAX_KEYS:
        raise ValueError(f'the JWKS must be an object with "keys": 1-{MAX_KEYS} keys')
    parsed = []
    for i, jwk in enumerate(keys):
        try:
            parsed.append(_checked(jwk))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"key {i + 1}: {exc}") from exc
    if len({k.kid for _, k in parsed}) != len(parsed):
        raise ValueError("every key needs its own kid")
    return parsed


def normalise_jwks(text: str) -> str:
    """The registration's JWKS, checked and reduced to what verification uses, or InvalidRequest."""
    try:
        parsed = _parse(text)
    except ValueError as exc:
        raise InvalidRequest(f"jwks: {exc}.") from exc
    return json.dumps({"keys": [normal for normal, _ in parsed]}, separators=(",", ":"), sort_keys=True)


def load_keys(text: str) -> dict[str, ClientKey]:
    """The stored (normalised) JWKS by kid; empty when there is none or it no longer parses."""
    if not text:
        return {}
    try:
        return {k.kid: k for _, k in _parse(text)}
    except ValueError:
        return {}
