"""domain/dpop.py (RFC 9449) on fakes: proofs at the token endpoint (§5, nonces §8, single
use §11.1) and at a protected resource (§7: scheme, proof of the token's key, `ath`), and
what a client sees of each refusal (error code, DPoP-Nonce, the DPoP challenge)."""

from __future__ import annotations

import pytest
from authgate_common.core.errors import (
    InvalidDPoPProof,
    InvalidToken,
    OAuthError,
    ResourceDPoPProofRefused,
    UseDPoPNonce,
)
from authgate_common.http import error_headers
from authgate_dpop import DPoPKey, NonceIssuer
from token_service.adapters.dpop_replay import StoreReplayGuard
from token_service.domain.dpop import DPoP, Presentation, bound_jkt

TOKEN_URL = "https://auth.example/api/v1/oauth/token"
API = "https://api.example/orders"
NOW = 1_900_000_000.0


class Seen:
    """The replay guard: what Redis does for every replica (first use only)."""

    def __init__(self) -> None:
        self.ttls: dict[str, int] = {}

    def first_use(self, key: str, ttl_seconds: int) -> bool:
        if key in self.ttls:
            return False
        self.ttls[key] = ttl_seconds
        return True


@pytest.fixture
def nonces() -> NonceIssuer:
    return NonceIssuer(b"n" * 32, clock=lambda: NOW)


@pytest.fixture
def dpop(nonces: NonceIssuer) -> DPoP:
    return DPoP(Seen(), nonces, token_url=TOKEN_URL, clock=lambda: NOW)


@pytest.fixture
def key() -> DPoPKey:
    return DPoPKey.generate()


def _at_token(dpop: DPoP, key: DPoPKey, **kw) -> str:
    return key.proof("POST", TOKEN_URL, nonce=dpop.nonce(), iat=NOW, **kw)


def _headers(exc: pytest.ExceptionInfo[OAuthError]) -> dict[str, str]:
    return error_headers(exc.value)


def test_a_good_proof_gives_its_keys_thumbprint(dpop: DPoP, key: DPoPKey) -> None:
    proof = dpop.at_token_endpoint(_at_token(dpop, key))
    assert proof is not None and proof.jkt == key.jkt


def test_no_proof_is_none_unless_the_client_must_send_one(dpop: DPoP) -> None:
    assert dpop.at_token_endpoint(None) is None
    with pytest.raises(InvalidDPoPProof) as exc:
        dpop.at_token_endpoint(None, required=True)
    assert exc.value.status_code == 400 and exc.value.error == "invalid_dpop_proof"
    assert _headers(exc)["DPoP-Nonce"] == dpop.nonce()


def test_a_proof_without_the_servers_nonce_gets_use_dpop_nonce_and_the_nonce(dpop: DPoP,
                                                                              key: DPoPKey) -> None:
    for proof in (key.proof("POST", TOKEN_URL, iat=NOW), key.proof("POST", TOKEN_URL, iat=NOW, nonce="1.x")):
        with pytest.raises(UseDPoPNonce) as exc:
            dpop.at_token_endpoint(proof)
        assert exc.value.status_code == 400 and exc.value.error == "use_dpop_nonce"
        assert _headers(exc)["DPoP-Nonce"] == dpop.nonce()


def test_nonces_are_not_needed_when_turned_off(nonces: NonceIssuer, key: DPoPKey) -> None:
    relaxed = DPoP(Seen(), nonces, token_url=TOKEN_URL, nonce_required=False, clock=lambda: NOW)
    assert relaxed.at_token_endpoint(key.proof("POST", TOKEN_URL, iat=NOW)).jkt == key.jkt


def test_a_proof_is_good_once(dpop: DPoP, key: DPoPKey) -> None:
    proof = _at_token(dpop, key)
    dpop.at_token_endpoint(proof)
    with pytest.raises(InvalidDPoPProof, match="used before"):
        dpop.at_token_endpoint(proof)


def test_the_guard_keeps_a_proof_as_long_as_its_iat_is_acceptable(dpop: DPoP, key: DPoPKey) -> None:
    seen = Seen()
    DPoP(seen, NonceIssuer(b"n" * 32, clock=lambda: NOW), token_url=TOKEN_URL, max_age_seconds=60,
         clock=lambda: NOW).at_token_endpoint(_at_token(dpop, key))
    assert list(seen.ttls.values())[0] >= 60 + 5


@pytest.mark.parametrize("method, url, iat", [
    ("GET", TOKEN_URL, NOW),  # htm
    ("POST", "https://auth.example/api/v1/oauth/revoke", NOW),  # htu
    ("POST", "https://evil.example/api/v1/oauth/token", NOW),
    ("POST", TOKEN_URL, NOW - 120),  # stale
    ("POST", TOKEN_URL, NOW + 60),  # from the future
])
def test_a_proof_for_another_request_is_refused(dpop: DPoP, key: DPoPKey, method: str, url: str,
                                                iat: float) -> None:
    with pytest.raises(InvalidDPoPProof):
        dpop.at_token_endpoint(key.proof(method, url, nonce=dpop.nonce(), iat=iat))


def test_a_malformed_or_repeated_header_is_refused(dpop: DPoP, key: DPoPKey) -> None:
    good = _at_token(dpop, key)
    for value in ("", "not-a-jwt", f"{good},{_at_token(dpop, key)}",
                  key.proof("POST", TOKEN_URL, nonce=dpop.nonce(), iat=NOW, header={"typ": "JWT"}),
                  key.proof("POST", TOKEN_URL, nonce=dpop.nonce(), iat=NOW, header={"alg": "none"})):
        with pytest.raises(InvalidDPoPProof):
            dpop.at_token_endpoint(value)


def test_the_store_guard_is_first_use_across_replicas() -> None:
    from authgate_common.core.kv import MemoryStore
    shared = MemoryStore("token:")
    one, two = StoreReplayGuard(shared), StoreReplayGuard(shared)
    assert one.first_use("k", 10) and not two.first_use("k", 10) and not one.first_use("k", 10)
    assert two.first_use("other", 10)


# --- at a protected resource (§7) ------------------------------------------------------

def _bound(key: DPoPKey) -> dict:
    return {"sub": "u1", "cnf": {"jkt": key.jkt}}


def _at_api(key: DPoPKey, token: str, method: str = "GET", url: str = API, iat: float = NOW) -> Presentation:
    return Presentation("DPoP", key.proof(method, url, access_token=token, iat=iat), method, url)


def test_a_bearer_token_as_bearer_needs_nothing(dpop: DPoP) -> None:
    dpop.at_resource("tok", {"sub": "u1"}, Presentation())
    assert bound_jkt({"sub": "u1"}) == "" and bound_jkt({"cnf": "x"}) == ""


def test_a_bearer_token_under_the_dpop_scheme_is_refused(dpop: DPoP, key: DPoPKey) -> None:
    with pytest.raises(InvalidToken) as exc:
        dpop.at_resource("tok", {"sub": "u1"}, _at_api(key, "tok"))
    assert exc.value.status_code == 401 and _headers(exc)["WWW-Authenticate"].startswith("DPoP algs=")


def test_a_bound_token_with_a_proof_of_its_key_is_accepted_once(dpop: DPoP, key: DPoPKey) -> None:
    presented = _at_api(key, "tok")
    dpop.at_resource("tok", _bound(key), presented)
    with pytest.raises(ResourceDPoPProofRefused, match="used before"):
        dpop.at_resource("tok", _bound(key), presented)


def test_a_bound_token_sent_as_bearer_is_refused_with_the_dpop_challenge(dpop: DPoP, key: DPoPKey) -> None:
    for presented in (Presentation(), Presentation("Bearer", key.proof("GET", API, access_token="tok"),
                                                   "GET", API)):
        with pytest.raises(InvalidToken) as exc:
            dpop.at_resource("tok", _bound(key), presented)
        assert exc.value.error == "invalid_token" and exc.value.status_code == 401
        challenge = _headers(exc)["WWW-Authenticate"]
        assert challenge.startswith('DPoP algs="ES256') and 'error="invalid_token"' in challenge


@pytest.mark.parametrize("case", ["no proof", "other key", "other token", "other method", "other url",
                                  "stale"])
def test_a_bound_token_without_a_matching_proof_is_invalid_dpop_proof(dpop: DPoP, key: DPoPKey,
                                                                       case: str) -> None:
    presented = {
        "no proof": Presentation("DPoP", None, "GET", API),
        "other key": _at_api(DPoPKey.generate(), "tok"),
        "other token": _at_api(key, "another-token"),
        "other method": Presentation("DPoP", key.proof("POST", API, access_token="tok", iat=NOW), "GET", API),
        "other url": Presentation("DPoP", key.proof("GET", API + "/x", access_token="tok", iat=NOW),
                                  "GET", API),
        "stale": _at_api(key, "tok", iat=NOW - 600),
    }[case]
    with pytest.raises(ResourceDPoPProofRefused) as exc:
        dpop.at_resource("tok", _bound(key), presented)
    assert exc.value.error == "invalid_dpop_proof" and exc.value.status_code == 401
    assert 'DPoP algs="' in _headers(exc)["WWW-Authenticate"]
    assert 'error="invalid_dpop_proof"' in _headers(exc)["WWW-Authenticate"]
