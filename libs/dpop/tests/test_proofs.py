"""DPoP proofs (RFC 9449 §4.3): what a server accepts, and every refusal it must make."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from authgate_dpop import (
    ALGORITHMS,
    INVALID_DPOP_PROOF,
    USE_DPOP_NONCE,
    DPoPKey,
    Proof,
    ProofError,
    access_token_hash,
    check_proof,
    normalise_htu,
    replay_key,
    thumbprint,
)
from cryptography.hazmat.primitives.asymmetric import rsa

NOW = 1_900_000_000.0
URL = "https://api.example.com/orders"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln"


@pytest.fixture(scope="module")
def keys() -> dict[str, DPoPKey]:
    return {alg: DPoPKey.generate(alg) for alg in ALGORITHMS}


@pytest.fixture(scope="module")
def key(keys: dict[str, DPoPKey]) -> DPoPKey:
    return keys["ES256"]


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def check(proof: str, **over: Any) -> Proof:
    args: dict[str, Any] = {"method": "GET", "url": URL, "now": NOW} | over
    return check_proof(proof, **args)


def refused(proof: str, error: str = INVALID_DPOP_PROOF, **over: Any) -> str:
    with pytest.raises(ProofError) as caught:
        check(proof, **over)
    assert caught.value.error == error
    return caught.value.description


# -- what is accepted -----------------------------------------------------------------

@pytest.mark.parametrize("alg", ALGORITHMS)
def test_every_algorithm_round_trips(keys: dict[str, DPoPKey], alg: str) -> None:
    key = keys[alg]
    proof = key.proof("get", URL, access_token=TOKEN, iat=NOW, jti="j-1")
    checked = check(proof, access_token=TOKEN)
    assert (checked.jkt, checked.jti, checked.iat, checked.htm, checked.htu) == (key.jkt, "j-1", int(NOW),
                                                                                "GET", URL)
    assert checked.nonce is None
    assert checked.replay_key == replay_key(key.jkt, "j-1")


def test_the_rfc7638_example_thumbprint() -> None:
    rfc_key = {  # RFC 7638 §3.1, with the optional members that must not count
        "kty": "RSA", "e": "AQAB", "alg": "RS256", "kid": "2011-04-29",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPe"
             "bWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY36"
             "8QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4l"
             "Fd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"}
    assert thumbprint(rfc_key) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_the_rfc9449_example_ath() -> None:
    assert access_token_hash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU") == \
        "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"


@pytest.mark.parametrize("jwk", [{"kty": "oct", "k": "AAAA"}, {"kty": "EC", "crv": "P-256", "x": "AA"}, {}])
def test_a_thumbprint_needs_a_usable_public_key(jwk: dict[str, str]) -> None:
    with pytest.raises(ProofError):
        thumbprint(jwk)


def test_the_query_and_fragment_are_ignored(key: DPoPKey) -> None:
    proof = key.proof("GET", URL + "?page=2#top", iat=NOW)
    assert check(proof, url=URL + "?page=3").htu == URL + "?page=2#top"


@pytest.mark.parametrize("sent, requested", [
    ("https://api.example.com:443/orders", URL), ("HTTPS://API.Example.COM/orders", URL),
    ("http://api.example.com:80/x", "http://api.example.com/x"), ("https://api.example.com", "https://api.example.com/"),
    ("https://api.example.com/%7Eme", "https://api.example.com/~me"),
    ("https://api.example.com/a%2fb", "https://api.example.com/a%2Fb")])
def test_equivalent_urls_are_normalised(key: DPoPKey, sent: str, requested: str) -> None:
    assert check(key.proof("GET", sent, iat=NOW), url=requested).jkt == key.jkt


def test_a_nonce_the_server_accepts_passes(key: DPoPKey) -> None:
    proof = key.proof("POST", URL, nonce="n-1", iat=NOW)
    assert check(proof, method="POST", nonce_ok=lambda n: n == "n-1").nonce == "n-1"


def test_iat_within_max_age_and_skew_passes(key: DPoPKey) -> None:
    assert check(key.proof("GET", URL, iat=NOW - 60), max_age_seconds=60)
    assert check(key.proof("GET", URL, iat=NOW + 5), skew_seconds=5)


# -- what is refused --------------------------------------------------------------------

def test_wrong_typ(key: DPoPKey) -> None:
    refused(key.proof("GET", URL, iat=NOW, header={"typ": "JWT"}))
    refused(key.proof("GET", URL, iat=NOW, header={"typ": None}))


def _hs256(key: DPoPKey) -> str:
    head = {"typ": "dpop+jwt", "alg": "HS256", "jwk": key.jwk}
    body = {"jti": "x", "htm": "GET", "htu": URL, "iat": int(NOW)}
    signing = f"{b64(json.dumps(head).encode())}.{b64(json.dumps(body).encode())}"
    secret = json.dumps(key.jwk).encode()
    return signing + "." + b64(hmac.new(secret, signing.encode(), hashlib.sha256).digest())


def test_alg_none_and_hmac_are_refused(key: DPoPKey) -> None:
    head = {"typ": "dpop+jwt", "alg": "none", "jwk": key.jwk}
    body = {"jti": "x", "htm": "GET", "htu": URL, "iat": int(NOW)}
    unsigned = f"{b64(json.dumps(head).encode())}.{b64(json.dumps(body).encode())}."
    assert "algorithm" in refused(unsigned)
    assert "algorithm" in refused(_hs256(key))


def test_an_algorithm_outside_the_accepted_list_is_refused(keys: dict[str, DPoPKey]) -> None:
    refused(keys["RS256"].proof("GET", URL, iat=NOW), algorithms=("ES256",))


def test_a_private_key_in_the_header_is_refused(key: DPoPKey) -> None:
    d = key.private_key.private_numbers().private_value.to_bytes(32, "big")
    assert "public" in refused(key.proof("GET", URL, iat=NOW, header={"jwk": key.jwk | {"d": b64(d)}}))


@pytest.mark.parametrize("name, value", [("kid", "k1"), ("jku", "https://evil.example/jwks"),
                                         ("x5c", ["MIIB"]), ("x5u", "https://evil.example/c"),
                                         ("crit", ["exp"])])
def test_other_key_references_are_refused(key: DPoPKey, name: str, value: Any) -> None:
    assert "header" in refused(key.proof("GET", URL, iat=NOW, header={name: value}))


def test_a_missing_jwk_is_refused(key: DPoPKey) -> None:
    refused(key.proof("GET", URL, iat=NOW, header={"jwk": None}))
    refused(key.proof("GET", URL, iat=NOW, header={"jwk": "not a key"}))


def test_a_short_rsa_key_is_refused() -> None:
    short = DPoPKey("RS256", rsa.generate_private_key(public_exponent=65537, key_size=1024))  # noqa: S505
    assert "short" in refused(short.proof("GET", URL, iat=NOW))


def test_a_key_that_does_not_fit_the_algorithm_is_refused(key: DPoPKey, keys: dict[str, DPoPKey]) -> None:
    assert "fit" in refused(key.proof("GET", URL, iat=NOW, header={"alg": "RS256"}))
    assert "fit" in refused(keys["ES384"].proof("GET", URL, iat=NOW, header={"alg": "ES256"}))  # P-384
    assert "fit" in refused(keys["EdDSA"].proof("GET", URL, iat=NOW, header={"alg": "ES256"}))


def test_a_signature_by_another_key_is_refused(key: DPoPKey) -> None:
    other = DPoPKey.generate()
    assert "signature" in refused(other.proof("GET", URL, iat=NOW, header={"jwk": key.jwk}))


def test_tampered_claims_are_refused(key: DPoPKey) -> None:
    head, _, sig = key.proof("GET", URL, iat=NOW).split(".")
    body = {"jti": "x", "htm": "DELETE", "htu": URL, "iat": int(NOW)}
    assert "signature" in refused(f"{head}.{b64(json.dumps(body).encode())}.{sig}", method="DELETE")


def test_a_truncated_signature_is_refused(key: DPoPKey) -> None:
    proof = key.proof("GET", URL, iat=NOW)
    refused(proof[:-8])


@pytest.mark.parametrize("jti", ["", 7, None, "j" * 257])
def test_a_missing_or_unusable_jti_is_refused(key: DPoPKey, jti: Any) -> None:
    proof = key.proof("GET", URL, iat=NOW, claims={"jti": jti})
    assert "jti" in refused(proof)


def test_the_longest_jti_passes(key: DPoPKey) -> None:
    assert check(key.proof("GET", URL, iat=NOW, jti="j" * 256)).jti == "j" * 256


def test_another_method_is_refused(key: DPoPKey) -> None:
    assert "method" in refused(key.proof("GET", URL, iat=NOW), method="POST")
    refused(key.proof("GET", URL, iat=NOW, claims={"htm": None}))


@pytest.mark.parametrize("url", ["https://evil.example.com/orders", "https://api.example.com/orders/1",
                                 "http://api.example.com/orders", "https://api.example.com:8443/orders",
                                 "https://api.example.com/Orders", "https://api.example.com/a%2Fb",
                                 "not a url", "ftp://api.example.com/orders"])
def test_another_url_is_refused(key: DPoPKey, url: str) -> None:
    requested = "https://api.example.com/a/b" if "%2F" in url else URL
    assert "URL" in refused(key.proof("GET", url, iat=NOW), url=requested)


def test_a_missing_htu_is_refused(key: DPoPKey) -> None:
    refused(key.proof("GET", URL, iat=NOW, claims={"htu": None}))


@pytest.mark.parametrize("iat", [NOW - 66, NOW + 6, None, "1900000000", True, float("nan")])
def test_a_stale_future_or_unusable_iat_is_refused(key: DPoPKey, iat: Any) -> None:
    proof = key.proof("GET", URL, iat=NOW, claims={"iat": iat})
    assert "fresh" in refused(proof, max_age_seconds=60, skew_seconds=5)


def test_the_access_token_hash_must_match(key: DPoPKey) -> None:
    assert "access token" in refused(key.proof("GET", URL, iat=NOW, access_token="other"),
                                     access_token=TOKEN)
    assert "access token" in refused(key.proof("GET", URL, iat=NOW), access_token=TOKEN)


def test_a_missing_nonce_asks_for_one(key: DPoPKey) -> None:
    refused(key.proof("POST", URL, iat=NOW), USE_DPOP_NONCE, method="POST", nonce_ok=lambda n: False)
    refused(key.proof("POST", URL, iat=NOW, nonce="old"), USE_DPOP_NONCE, method="POST",
            nonce_ok=lambda n: n == "new")
    refused(key.proof("POST", URL, iat=NOW, claims={"nonce": 5}), method="POST", nonce_ok=lambda n: True)


def test_a_bad_signature_comes_before_the_nonce(key: DPoPKey) -> None:
    """An attacker learns nothing about nonces from a proof it could not sign."""
    other = DPoPKey.generate()
    refused(other.proof("GET", URL, iat=NOW, header={"jwk": key.jwk}), nonce_ok=lambda n: False)


def _raw(head: Any, body: Any, sig: str = "AAAA") -> str:
    return f"{b64(json.dumps(head).encode())}.{b64(json.dumps(body).encode())}.{sig}"


EC = {"typ": "dpop+jwt", "alg": "ES256"}


@pytest.mark.parametrize("proof", [
    "", "a.b", "a.b.c.d", "!!!.???.***", "e30=.e30=.AAAA", _raw([1], {}), _raw({}, "claims"),
    b64(b"[" * 3000) + "." + b64(b"{}") + ".AAAA", b64(b"\xff\xfe") + ".e30.AAAA", "x" * 9000,
    _raw(EC | {"jwk": {"kty": "EC", "crv": "P-256", "x": 1, "y": 2}}, {}),
    _raw(EC | {"jwk": {"kty": "EC", "crv": "P-256", "x": "A+/A", "y": "AA"}}, {}),
    _raw({"typ": "dpop+jwt", "alg": "RS256", "jwk": {"kty": "RSA", "n": "AQAB"}}, {})])
def test_malformed_proofs_are_refused(proof: Any) -> None:
    refused(proof)


def test_not_a_string_is_refused() -> None:
    refused(None)  # type: ignore[arg-type]


def test_descriptions_never_echo_input(key: DPoPKey) -> None:
    proof = key.proof("GET", "https://evil.example/<script>", iat=NOW, jti="<script>")
    assert "<script>" not in refused(proof)


@pytest.mark.parametrize("url", ["https://user:pw@api.example.com/", "https://api.example.com:99999/",
                                 "mailto:a@example.com", "https:///path", "x" * 5000])
def test_normalise_htu_refuses_what_is_no_http_url(url: str) -> None:
    with pytest.raises(ValueError):
        normalise_htu(url)


def test_normalise_htu_keeps_ipv6_hosts() -> None:
    assert normalise_htu("https://[::1]:443/a") == "https://[::1]/a"
    assert normalise_htu("http://[::1]:8080") == "http://[::1]:8080/"


def test_a_fresh_proof_per_request_differs(key: DPoPKey) -> None:
    first, second = key.proof("GET", URL), key.proof("GET", URL)
    assert check(first, now=time.time()).jti != check(second, now=time.time()).jti
