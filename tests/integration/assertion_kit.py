"""Signed client assertions (RFC 7523 §2.2) for the whole-stack tests: the keys of a
private_key_jwt client, its public JWKS and an assertion signed with one of them."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from flowkit import Flow

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN = "/api/v1/oauth/token"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
STRANGER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_jwks() -> dict[str, Any]:
    rsa_pub, ec_pub = RSA_KEY.public_key().public_numbers(), EC_KEY.public_key().public_numbers()
    return {"keys": [
        {"kty": "RSA", "kid": "rsa-1", "use": "sig", "alg": "RS256",
         "n": b64(rsa_pub.n.to_bytes(256, "big")), "e": b64(rsa_pub.e.to_bytes(3, "big"))},
        {"kty": "EC", "kid": "ec-1", "crv": "P-256",
         "x": b64(ec_pub.x.to_bytes(32, "big")), "y": b64(ec_pub.y.to_bytes(32, "big"))},
    ]}


def assertion(flow: Flow, client_id: str, *, key: Any = RSA_KEY, kid: str = "rsa-1", **overrides: Any) -> str:
    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": flow.base + TOKEN, "iat": now, "exp": now + 60,
              "jti": uuid.uuid4().hex, **overrides}
    alg = "ES256" if isinstance(key, ec.EllipticCurvePrivateKey) else "RS256"
    signing_input = f"{b64(json.dumps({'alg': alg, 'kid': kid, 'typ': 'JWT'}).encode())}." \
                    f"{b64(json.dumps(claims).encode())}".encode()
    if alg == "ES256":
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    else:
        signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input.decode()}.{b64(signature)}"
