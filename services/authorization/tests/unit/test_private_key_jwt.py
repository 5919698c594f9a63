"""private_key_jwt (RFC 7523 §2.2, §3; OIDC Core §9): registering a JWKS and the checks on
every client assertion. Each refusal is invalid_client; only the log detail differs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import pytest
from authgate_common.core.errors import InvalidClient, InvalidRequest
from authorization_fakes import ISSUER
from authorization_service.adapters.jti_registry import MemoryJtiRegistry
from authorization_service.domain.client_assertion import JWT_BEARER, ClientAssertions
from authorization_service.domain.client_keys import normalise_jwks
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

TOKEN_ENDPOINT = ISSUER + "/api/v1/oauth/token"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _uint(value: int, size: int | None = None) -> str:
    return b64(value.to_bytes(size or (value.bit_length() + 7) // 8, "big"))


def public_jwk(key: Any, kid: str, **extra: str) -> dict[str, str]:
    if isinstance(key, rsa.RSAPrivateKey):
        numbers = key.public_key().public_numbers()
        return {"kty": "RSA", "kid": kid, "n": _uint(numbers.n), "e": _uint(numbers.e), **extra}
    point, size = key.public_key().public_numbers(), (key.curve.key_size + 7) // 8
    crv = {256: "P-256", 384: "P-384"}[key.curve.key_size]
    return {"kty": "EC", "crv": crv, "kid": kid, "x": _uint(point.x, size), "y": _uint(point.y, size),
            **extra}


def sign(header: dict[str, Any], claims: dict[str, Any], key: Any = RSA_KEY) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}".encode()
    alg = header["alg"]
    if alg == "RS256":
        signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    elif alg == "PS256":
        signature = key.sign(signing_input, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
                             hashes.SHA256())
    elif alg == "ES256":
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    elif alg == "HS256":
        signature = hmac.new(key, signing_input, hashlib.sha256).digest()
    else:
        signature = b""
    return f"{signing_input.decode()}.{b64(signature)}"


def claims(client_id: str = "svc", **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {"iss": client_id, "sub": client_id, "aud": TOKEN_ENDPOINT, "iat": now, "exp": now + 60,
            "jti": uuid.uuid4().hex}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


JWKS = json.dumps({"keys": [public_jwk(RSA_KEY, "rsa-1"), public_jwk(EC_KEY, "ec-1")]})


@pytest.fixture
def svc(core):
    client, secret = core.register("svc", grant_types=("client_credentials",), redirect_uris=(),
                                   token_endpoint_auth_method="private_key_jwt", jwks=JWKS)
    assert secret == ""  # it signs with its keys; there is no secret to show
    return client


def authenticate(core, assertion: str, client_id: str = "", secret: str = ""):
    return core.service.registry.authenticate(client_id, secret, JWT_BEARER, assertion)


# -- accepted ---------------------------------------------------------------------------


@pytest.mark.parametrize(("alg", "kid", "key"), [("RS256", "rsa-1", RSA_KEY), ("PS256", "rsa-1", RSA_KEY),
                                                 ("ES256", "ec-1", EC_KEY)])
def test_a_signed_assertion_authenticates_the_client(core, svc, alg, kid, key) -> None:
    assertion = sign({"alg": alg, "kid": kid, "typ": "JWT"}, claims(), key)
    assert authenticate(core, assertion).client_id == "svc"


def test_aud_may_be_the_issuer_in_a_list_and_client_id_may_be_given(core, svc) -> None:
    assertion = sign({"alg": "RS256", "kid": "rsa-1"}, claims(aud=["https://elsewhere", ISSUER]))
    assert authenticate(core, assertion, client_id="svc").client_id == "svc"


def test_jku_and_x5u_headers_are_never_followed(core, svc) -> None:
    # Signed by a registered key: the URLs change nothing, the registered key decides.
    headers = {"jku": "https://attacker.example/jwks", "x5u": "https://attacker.example/cert"}
    ok = sign({"alg": "RS256", "kid": "rsa-1", **headers}, claims())
    assert authenticate(core, ok).client_id == "svc"
    # Signed by the attacker's key, named by a kid only the attacker's JWKS has: refused.
    forged = sign({"alg": "RS256", "kid": "attacker", **headers}, claims(), OTHER_RSA_KEY)
    with pytest.raises(InvalidClient):
        authenticate(core, forged)


# -- refused ----------------------------------------------------------------------------


def test_replayed_jti_is_refused(core, svc) -> None:
    assertion = sign({"alg": "RS256", "kid": "rsa-1"}, claims())
    authenticate(core, assertion)
    with pytest.raises(InvalidClient):
        authenticate(core, assertion)
    # The same jti in a freshly signed assertion is a replay too.
    again = sign({"alg": "ES256", "kid": "ec-1"}, claims(jti=json.loads(
        base64.urlsafe_b64decode(assertion.split(".")[1] + "==").decode())["jti"]), EC_KEY)
    with pytest.raises(InvalidClient):
        authenticate(core, again)


@pytest.mark.parametrize("bad", [
    claims(exp=int(time.time()) - 120),                        # expired
    claims(aud="https://another-server.example/token"),        # wrong aud
    claims(aud=None),                                          # no aud
    claims(exp=None),                                          # no exp
    claims(exp=int(time.time()) + 3600, iat=None),             # too far ahead
    claims(iat=int(time.time()) - 1000),                       # exp long after iat
    claims(nbf=int(time.time()) + 600),                        # not yet valid
    claims(jti=None),                                          # no jti
    claims(iss="other"),                                       # iss is not the client
    claims(exp="soon"),                                        # exp not a number
], ids=["expired", "wrong-aud", "no-aud", "no-exp", "exp-too-far", "exp-long-after-iat", "nbf-future",
        "no-jti", "iss-not-client", "exp-not-number"])
def test_bad_claims_are_invalid_client(core, svc, bad) -> None:
    with pytest.raises(InvalidClient):
        authenticate(core, sign({"alg": "RS256", "kid": "rsa-1"}, bad))


def test_alg_none_is_refused(core, svc) -> None:
    with pytest.raises(InvalidClient):
        authenticate(core, sign({"alg": "none", "kid": "rsa-1"}, claims()))


def test_hs256_keyed_with_the_public_key_is_refused(core, svc) -> None:
    pem = RSA_KEY.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
    for secret in (pem, json.dumps(public_jwk(RSA_KEY, "rsa-1")).encode()):
        with pytest.raises(InvalidClient):
            authenticate(core, sign({"alg": "HS256", "kid": "rsa-1"}, claims(), secret))


def test_unknown_kid_is_refused(core, svc) -> None:
    with pytest.raises(InvalidClient):
        authenticate(core, sign({"alg": "RS256", "kid": "nope"}, claims()))


def test_missing_kid_with_several_keys_is_refused(core, svc) -> None:
    with pytest.raises(InvalidClient):
        authenticate(core, sign({"alg": "RS256"}, claims()))


def test_unregistered_key_under_a_registered_kid_is_refused(core, svc) -> None:
    with pytest.raises(InvalidClient):
        authenticate(core, sign({"alg": "RS256", "kid": "rsa-1"}, claims(), OTHER_RSA_KEY))


def test_alg_that_does_not_fit_the_key_is_refused(core, svc) -> None:
    # An RSA signature presented as ES256 under the EC key's kid, and the reverse.
    with pytest.raises(InvalidClient):
        authenticate(core, sign({"alg": "RS256", "kid": "ec-1"}, claims()))
    with pytest.raises(InvalidClient):
        authenticate(core, sign({"alg": "ES256", "kid": "rsa-1"}, claims(), EC_KEY))


def test_crit_header_is_refused(core, svc) -> None:
    with pytest.raises(InvalidClient):
        authenticate(core, sign({"alg": "RS256", "kid": "rsa-1", "crit": ["exp"]}, claims()))


@pytest.mark.parametrize("junk", ["", "a.b", "a.b.c", "x" * 9000, "e30.e30.", "...."])
def test_malformed_assertions_are_invalid_client(core, svc, junk) -> None:
    with pytest.raises(InvalidClient):
        authenticate(core, junk or "x")


def test_assertion_for_another_client_id_is_refused(core, svc) -> None:
    with pytest.raises(InvalidClient):
        authenticate(core, sign({"alg": "RS256", "kid": "rsa-1"}, claims()), client_id="web")


def test_secret_client_cannot_use_an_assertion(core) -> None:
    core.register("web")
    with pytest.raises(InvalidClient):
        authenticate(core, sign({"alg": "RS256", "kid": "rsa-1"}, claims("web")))


def test_private_key_jwt_client_cannot_fall_back_to_a_secret_or_nothing(core, svc) -> None:
    for secret in ("", "x" * 43):
        with pytest.raises(InvalidClient):
            core.service.registry.authenticate("svc", secret)


def test_mixed_methods_and_half_pairs_are_invalid_request(core, svc) -> None:
    assertion = sign({"alg": "RS256", "kid": "rsa-1"}, claims())
    with pytest.raises(InvalidRequest):
        authenticate(core, assertion, secret="x" * 43)
    with pytest.raises(InvalidRequest):
        core.service.registry.authenticate("svc", "", "", assertion)
    with pytest.raises(InvalidClient):  # an assertion type we do not support
        core.service.registry.authenticate("", "", "urn:example:saml", assertion)


def test_replay_memory_is_per_client_and_expires() -> None:
    now = [1000.0]
    jtis = MemoryJtiRegistry()
    checks = ClientAssertions([TOKEN_ENDPOINT], jtis, clock_skew=0, clock=lambda: now[0])
    jwks = normalise_jwks(json.dumps({"keys": [public_jwk(RSA_KEY, "k")]}))
    token = sign({"alg": "RS256"}, claims(iat=1000, exp=1030, jti="j"))
    checks.verify("svc", jwks, token)  # a one-key JWKS needs no kid
    with pytest.raises(InvalidClient):
        checks.verify("svc", jwks, token)


# -- registration -------------------------------------------------------------------------


@pytest.mark.parametrize(("jwks", "message"), [
    ({"keys": [{**public_jwk(RSA_KEY, "k"), "d": "AQAB"}]}, "private key material"),
    ({"keys": [{**public_jwk(EC_KEY, "k"), "d": "AQAB"}]}, "private key material"),
    ({"keys": [{"kty": "oct", "kid": "k", "k": "c2VjcmV0"}]}, "private key material"),
    ({"keys": [public_jwk(rsa.generate_private_key(public_exponent=65537, key_size=1024), "k")]}, "2048"),  # noqa: S505
    ({"keys": [public_jwk(ec.generate_private_key(ec.SECP384R1()), "k")]}, "P-256"),
    ({"keys": [public_jwk(RSA_KEY, "k"), public_jwk(EC_KEY, "k")]}, "own kid"),
    ({"keys": [{k: v for k, v in public_jwk(RSA_KEY, "k").items() if k != "kid"}]}, "kid"),
    ({"keys": [public_jwk(RSA_KEY, "k", alg="HS256")]}, "alg"),
    ({"keys": [public_jwk(RSA_KEY, "k", use="enc")]}, "use"),
    ({"keys": []}, "keys"),
    ("not json", "JSON"),
], ids=["rsa-private", "ec-private", "symmetric", "rsa-1024", "p384", "dup-kid", "no-kid", "hs-alg", "enc",
        "empty", "not-json"])
def test_bad_jwks_is_refused_at_registration(core, jwks, message) -> None:
    text = jwks if isinstance(jwks, str) else json.dumps(jwks)
    with pytest.raises(InvalidRequest, match=message):
        core.register("svc", grant_types=("client_credentials",), redirect_uris=(),
                      token_endpoint_auth_method="private_key_jwt", jwks=text)


def test_registration_keeps_only_the_public_members(core) -> None:
    jwk = public_jwk(RSA_KEY, "k", alg="PS256", x5u="https://attacker.example/c", jku="https://a.example")
    client, _ = core.register("svc", grant_types=("client_credentials",), redirect_uris=(),
                              token_endpoint_auth_method="private_key_jwt", jwks=json.dumps({"keys": [jwk]}))
    (stored,) = json.loads(client.jwks)["keys"]
    assert set(stored) == {"kty", "kid", "use", "alg", "n", "e"} and stored["alg"] == "PS256"


def test_private_key_jwt_needs_keys_and_keys_need_private_key_jwt(core) -> None:
    with pytest.raises(InvalidRequest, match="jwks"):
        core.register("a", grant_types=("client_credentials",), redirect_uris=(),
                      token_endpoint_auth_method="private_key_jwt")
    with pytest.raises(InvalidRequest, match="private_key_jwt"):
        core.register("b", jwks=JWKS)
    with pytest.raises(InvalidRequest, match="no secret"):
        core.register("c", "s" * 40, grant_types=("client_credentials",), redirect_uris=(),
                      token_endpoint_auth_method="private_key_jwt", jwks=JWKS)
