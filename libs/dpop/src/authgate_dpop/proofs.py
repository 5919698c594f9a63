"""Checking a DPoP proof JWT (RFC 9449 §4.3) and the values derived from it.

A proof is a JWS the client signs, for one request, with a private key whose public half
travels in the header (`jwk`). What is checked, in this order, each failure a `ProofError`
with a description that never echoes input:

1. one compact JWS of bounded size; the header's `typ` is `dpop+jwt`, `alg` one of
   ALGORITHMS (asymmetric only: never `none`, never an HMAC), `jwk` a public key of that
   algorithm's type (no private member, RSA of 2048 to 8192 bits) and no other key reference;
2. the signature, with that key;
3. the claims: `jti` (a string, at most 256 characters), `htm` equal to the request's
   method, `htu` equal to its URL (both normalised, query and fragment ignored: §4.3 (9)),
   `iat` within `max_age_seconds` in the past and `skew_seconds` in the future;
4. `ath`, the hash of the access token, when one is presented with the proof (§4.3 (11));
5. `nonce`, when the caller says which are good (`nonce_ok`): a missing or stale one is
   `use_dpop_nonce` (§8), so the client retries with the one the server sends.

What stays the caller's: single use of `jti` across its replicas (`replay_key` is what to
store, for as long as a proof's `iat` is acceptable), and comparing `Proof.jkt` with the
`cnf.jkt` of a bound token or a bound refresh token.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

INVALID_DPOP_PROOF = "invalid_dpop_proof"
USE_DPOP_NONCE = "use_dpop_nonce"
TYP = "dpop+jwt"
MAX_PROOF_CHARS = 8192
MAX_JTI_CHARS = 256
MIN_RSA_BITS = 2048
MAX_RSA_BITS = 8192  # a larger modulus only costs the verifier time
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
# Header members that would name a key elsewhere: the proof's key is its `jwk`, only.
REFUSED_HEADERS = frozenset({"jku", "x5u", "x5c", "kid", "crit"})

_EC_CURVES = {"ES256": ("P-256", ec.SECP256R1(), hashes.SHA256(), 32),
              "ES384": ("P-384", ec.SECP384R1(), hashes.SHA384(), 48)}
_RSA_HASHES = {"RS256": hashes.SHA256(), "PS256": hashes.SHA256()}
# What discovery advertises as `dpop_signing_alg_values_supported` (RFC 9449 §5.1).
ALGORITHMS = ("ES256", "ES384", "RS256", "PS256", "EdDSA")


class ProofError(Exception):
    """Why a proof is refused: `error` is `invalid_dpop_proof` or `use_dpop_nonce`."""

    def __init__(self, description: str, error: str = INVALID_DPOP_PROOF) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


@dataclass(frozen=True)
class Proof:
    jkt: str  # RFC 7638 SHA-256 thumbprint of the proof's key (what `cnf.jkt` binds to)
    jti: str
    iat: int
    htm: str
    htu: str
    nonce: str | None

    @property
    def replay_key(self) -> str:
        return replay_key(self.jkt, self.jti)


_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def _b64url_decode(value: str) -> bytes:
    """Unpadded base64url only (RFC 7515 §2): padding or any other character is refused."""
    if not isinstance(value, str) or not _B64URL.fullmatch(value) or len(value) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _int(value: Any) -> int:
    return int.from_bytes(_b64url_decode(value), "big")


def thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638: SHA-256 over the required members, in lexicographic order, no whitespace."""
    kty = jwk.get("kty")
    members = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x")}.get(
        kty if isinstance(kty, str) else "")
    if members is None or not all(isinstance(jwk.get(m), str) for m in members):
        raise ProofError("The DPoP proof's key is not usable.")
    canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    return _b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def access_token_hash(access_token: str) -> str:
    """`ath` (§4.2): base64url SHA-256 of the ASCII access token."""
    return _b64url(hashlib.sha256(access_token.encode("ascii", "replace")).digest())


def replay_key(jkt: str, jti: str) -> str:
    """What a replay store keeps for one proof (fixed length, reveals nothing)."""
    return hashlib.sha256(f"{jkt}\x00{jti}".encode()).hexdigest()


_DEFAULT_PORTS = {"http": 80, "https": 443}
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")


def _percent(match: re.Match[str]) -> str:
    char = chr(int(match[1], 16))
    return char if char in _UNRESERVED else "%" + match[1].upper()


def normalise_htu(url: str) -> str:
    """RFC 3986 §6.2.2-6.2.3 normalisation of an `htu`, without query and fragment:
    lower-case scheme and host, no default port, an empty path as "/", percent-encoding
    decoded for unreserved characters only (so `%2F` stays apart from `/`) and upper-cased."""
    if not isinstance(url, str) or len(url) > 4096:
        raise ValueError("not a URL")
    parts = urllib.parse.urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or parts.username or parts.password:
        raise ValueError("not an http(s) URL")
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    netloc = host if port is None or port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    path = urllib.parse.quote(_PERCENT.sub(_percent, parts.path or "/"), safe="/:@!$&'()*+,;=-._~%")
    return f"{scheme}://{netloc}{path}"


def _public_key(alg: str, jwk: Mapping[str, Any]) -> Any:
    if PRIVATE_MEMBERS & set(jwk):
        raise ProofError("The DPoP proof's key must be a public key.")
    try:
        if alg in _EC_CURVES:
            crv, curve, _, size = _EC_CURVES[alg]
            if jwk.get("kty") != "EC" or jwk.get("crv") != crv:
                raise ProofError("The DPoP proof's key does not fit its algorithm.")
            x, y = _b64url_decode(jwk["x"]), _b64url_decode(jwk["y"])
            if len(x) != size or len(y) != size:
                raise ProofError("The DPoP proof's key is not usable.")
            return ec.EllipticCurvePublicNumbers(int.from_bytes(x, "big"), int.from_bytes(y, "big"),
                                                 curve).public_key()
        if alg in _RSA_HASHES:
            if jwk.get("kty") != "RSA":
                raise ProofError("The DPoP proof's key does not fit its algorithm.")
            n, e = _int(jwk["n"]), _int(jwk["e"])
            if n.bit_length() < MIN_RSA_BITS:
                raise ProofError("The DPoP proof's RSA key is too short.")
            if n.bit_length() > MAX_RSA_BITS:
                raise ProofError("The DPoP proof's key is not usable.")
            return rsa.RSAPublicNumbers(e, n).public_key()
        if alg == "EdDSA":
            if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
                raise ProofError("The DPoP proof's key does not fit its algorithm.")
            return Ed25519PublicKey.from_public_bytes(_b64url_decode(jwk["x"]))
    except ProofError:
        raise
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise ProofError("The DPoP proof's key is not usable.") from exc
    raise ProofError("The DPoP proof uses an unaccepted algorithm.")


def _verify(alg: str, key: Any, signature: bytes, signed: bytes) -> None:
    try:
        if alg in _EC_CURVES:
            _, _, digest, size = _EC_CURVES[alg]
            if len(signature) != 2 * size:
                raise InvalidSignature()
            r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
            key.verify(encode_dss_signature(r, s), signed, ec.ECDSA(digest))
        elif alg == "RS256":
            key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
        elif alg == "PS256":
            pss = padding.PSS(padding.MGF1(hashes.SHA256()), hashes.SHA256().digest_size)
            key.verify(signature, signed, pss, hashes.SHA256())
        else:
            key.verify(signature, signed)
    except InvalidSignature as exc:
        raise ProofError("The DPoP proof's signature is invalid.") from exc


def _segments(proof: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    if not isinstance(proof, str) or not proof or len(proof) > MAX_PROOF_CHARS:
        raise ProofError("The DPoP proof is missing or too large.")
    parts = proof.split(".")
    if len(parts) != 3:
        raise ProofError("The DPoP proof is not a signed JWT.")
    try:
        header = json.loads(_b64url_decode(parts[0]))
        claims = json.loads(_b64url_decode(parts[1]))
        signature = _b64url_decode(parts[2])
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError) as exc:
        raise ProofError("The DPoP proof is malformed.") from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise ProofError("The DPoP proof is malformed.")
    return header, claims, signature, f"{parts[0]}.{parts[1]}".encode("ascii")


def check_proof(proof: str, *, method: str, url: str, now: float, max_age_seconds: float = 60,
                skew_seconds: float = 5, access_token: str | None = None,
                nonce_ok: Callable[[str | None], bool] | None = None,
                algorithms: tuple[str, ...] = ALGORITHMS) -> Proof:
    """The checked proof of one request (`method`, `url`), or ProofError."""
    header, claims, signature, signed = _segments(proof)
    if header.get("typ") != TYP:
        raise ProofError("The DPoP proof's typ must be dpop+jwt.")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in algorithms:
        raise ProofError("The DPoP proof uses an unaccepted algorithm.")
    if REFUSED_HEADERS & set(header):
        raise ProofError("The DPoP proof carries a refused header parameter.")
    jwk = header.get("jwk")
    if not isinstance(jwk, dict):
        raise ProofError("The DPoP proof carries no public key.")
    key = _public_key(alg, jwk)
    _verify(alg, key, signature, signed)

    jti, htm, htu, iat = claims.get("jti"), claims.get("htm"), claims.get("htu"), claims.get("iat")
    if not isinstance(jti, str) or not jti or len(jti) > MAX_JTI_CHARS:
        raise ProofError("The DPoP proof lacks a usable jti.")
    if not isinstance(htm, str) or htm != method.upper():
        raise ProofError("The DPoP proof is for another HTTP method.")
    try:
        if not isinstance(htu, str) or normalise_htu(htu) != normalise_htu(url):
            raise ProofError("The DPoP proof is for another URL.")
    except ValueError as exc:
        raise ProofError("The DPoP proof is for another URL.") from exc
    if (not isinstance(iat, int | float) or isinstance(iat, bool) or not math.isfinite(iat)
            or iat > now + skew_seconds or iat < now - max_age_seconds - skew_seconds):
        raise ProofError("The DPoP proof is not fresh.")
    if access_token is not None and claims.get("ath") != access_token_hash(access_token):
        raise ProofError("The DPoP proof is not for this access token.")
    nonce = claims.get("nonce")
    if nonce is not None and not isinstance(nonce, str):
        raise ProofError("The DPoP proof's nonce is malformed.")
    if nonce_ok is not None and not nonce_ok(nonce):
        raise ProofError("A fresh DPoP nonce is required." if nonce is None
                         else "The DPoP nonce is not current.", USE_DPOP_NONCE)
    return Proof(jkt=thumbprint(jwk), jti=jti, iat=int(iat), htm=htm, htu=htu, nonce=nonce)
