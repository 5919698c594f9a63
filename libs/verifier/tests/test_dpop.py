"""DPoP-bound tokens at a resource server (RFC 9449 §7): the DPoP scheme with a proof of the
token's key for this request, used once; the DPoP challenge on every refusal."""

from __future__ import annotations

from typing import Any

import pytest
from authgate_dpop import DPoPKey
from authgate_verifier import (
    Claims,
    InsufficientScope,
    InvalidDPoPProof,
    InvalidToken,
    JwksCache,
    RevocationState,
    Unavailable,
    VerificationError,
    Verifier,
    VerifierConfig,
)
from authgate_verifier.asgi import BearerMiddleware, request_url
from authgate_verifier.dpop import DPoPRequest, ReplayCache
from authgate_verifier.fastapi import require
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient
from verifier_fakes import AUDIENCE, ISSUER, Clock, Issuer

URL = "https://api.example.com/orders"


@pytest.fixture(scope="module")
def key() -> DPoPKey:
    return DPoPKey.generate()


def bound(issuer: Issuer, key: DPoPKey, **claims: Any) -> str:
    return issuer.token(cnf={"jkt": key.jkt}, **claims)


def presentation(key: DPoPKey, token: str, wall: Clock, method: str = "GET", url: str = URL,
                 **over: Any) -> DPoPRequest:
    proof = key.proof(method, url, access_token=token, **({"iat": wall.now} | over))
    return DPoPRequest(proof, "GET", URL)


def refused(verifier: Verifier, token: str, dpop: DPoPRequest | None, scopes: tuple[str, ...] = (),
            error: type[VerificationError] = InvalidDPoPProof) -> VerificationError:
    with pytest.raises(error) as info:
        verifier.verify(token, scopes, dpop=dpop)
    return info.value


# -- verify() -----------------------------------------------------------------------

def test_a_bound_token_with_its_proof_is_accepted(verifier: Verifier, issuer: Issuer, key: DPoPKey,
                                                  wall: Clock) -> None:
    token = bound(issuer, key)
    claims = verifier.verify(token, ["read"], dpop=presentation(key, token, wall))
    assert claims.cnf_jkt == key.jkt and claims.sub == "user-1"
    # the token is remembered now; the next request's proof is checked all the same
    assert verifier.verify(token, dpop=presentation(key, token, wall)).cnf_jkt == key.jkt
    request = presentation(key, token, wall, jti="j-1")
    verifier.verify(token, dpop=request)
    assert "used before" in refused(verifier, token, request).description


def test_a_replayed_proof_is_refused(verifier: Verifier, issuer: Issuer, key: DPoPKey, wall: Clock) -> None:
    token = bound(issuer, key)
    request = presentation(key, token, wall)
    verifier.verify(token, dpop=request)
    wall.now += 30
    exc = refused(verifier, token, request)
    assert exc.error == "invalid_dpop_proof" and "used before" in exc.description
    assert exc.www_authenticate().startswith('DPoP algs="ES256 ES384 RS256 PS256 EdDSA", '
                                             'error="invalid_dpop_proof"')


@pytest.mark.parametrize("method, url", [("POST", URL), ("GET", "https://api.example.com/orders/1"),
                                         ("GET", "https://evil.example.com/orders"),
                                         ("GET", "http://api.example.com/orders")])
def test_a_proof_for_another_request_is_refused(verifier: Verifier, issuer: Issuer, key: DPoPKey,
                                                wall: Clock, method: str, url: str) -> None:
    token = bound(issuer, key)
    assert refused(verifier, token, presentation(key, token, wall, method, url)).status == 401


def test_a_bound_token_as_bearer_is_refused(verifier: Verifier, issuer: Issuer, key: DPoPKey) -> None:
    exc = refused(verifier, bound(issuer, key), None, error=InvalidToken)
    assert exc.error == "invalid_token" and "DPoP-bound" in exc.description
    challenge = exc.www_authenticate()
    assert challenge.startswith('DPoP algs="') and 'error="invalid_token"' in challenge


def test_an_unbound_token_under_dpop_is_refused(verifier: Verifier, issuer: Issuer, key: DPoPKey,
                                                wall: Clock) -> None:
    token = issuer.token()
    exc = refused(verifier, token, presentation(key, token, wall), error=InvalidToken)
    assert exc.error == "invalid_token" and "not DPoP-bound" in exc.description
    assert exc.www_authenticate().startswith("DPoP ")
    assert verifier.verify(token).cnf_jkt == ""  # still a good bearer token


def test_a_proof_by_another_key_is_refused(verifier: Verifier, issuer: Issuer, key: DPoPKey,
                                           wall: Clock) -> None:
    token = bound(issuer, key)
    other_key = presentation(DPoPKey.generate(), token, wall)
    assert "token's key" in refused(verifier, token, other_key).description


def test_a_proof_for_another_token_is_refused(verifier: Verifier, issuer: Issuer, key: DPoPKey,
                                              wall: Clock) -> None:
    token, other = bound(issuer, key), bound(issuer, key)
    assert "access token" in refused(verifier, token, presentation(key, other, wall)).description
    no_ath = DPoPRequest(key.proof("GET", URL, iat=wall.now), "GET", URL)
    assert "access token" in refused(verifier, token, no_ath).description


def test_a_missing_stale_or_malformed_proof_is_refused(verifier: Verifier, issuer: Issuer, key: DPoPKey,
                                                       wall: Clock) -> None:
    token = bound(issuer, key)
    assert "required" in refused(verifier, token, DPoPRequest(None, "GET", URL)).description
    assert "fresh" in refused(verifier, token, presentation(key, token, wall, iat=wall.now - 66)).description
    assert "fresh" in refused(verifier, token, presentation(key, token, wall, iat=wall.now + 6)).description
    assert refused(verifier, token, DPoPRequest("x.y.z", "GET", URL)).error == "invalid_dpop_proof"


def test_max_age_and_skew_come_from_the_verifier(issuer: Issuer, state: RevocationState, wall: Clock,
                                                 key: DPoPKey) -> None:
    strict = Verifier(ISSUER, AUDIENCE, JwksCache(ISSUER, fetch=issuer.fetch), state, clock=wall,
                      dpop_max_age=10, dpop_clock_skew=0)
    token = bound(issuer, key)
    refused(strict, token, presentation(key, token, wall, iat=wall.now - 11))
    refused(strict, token, presentation(key, token, wall, iat=wall.now + 1))
    assert strict.verify(token, dpop=presentation(key, token, wall, iat=wall.now - 9))


@pytest.mark.parametrize("cnf", [{"x5t#S256": "abc"}, {"jkt": 5}, {"jkt": ""}, "jkt", ["jkt"]])
def test_a_binding_the_verifier_cannot_check_is_refused(verifier: Verifier, issuer: Issuer, cnf: Any) -> None:
    assert "bound" in refused(verifier, issuer.token(cnf=cnf), None, error=InvalidToken).description


def test_other_refusals_under_dpop_carry_the_dpop_challenge(verifier: Verifier, issuer: Issuer, key: DPoPKey,
                                                            wall: Clock) -> None:
    token = bound(issuer, key)
    scope = refused(verifier, token, presentation(key, token, wall), ("admin",), InsufficientScope)
    assert scope.status == 403 and scope.www_authenticate().startswith('DPoP algs="')
    assert 'error="insufficient_scope", scope="admin"' in scope.www_authenticate()
    forged = refused(verifier, token[:-4] + "AAAA", presentation(key, token, wall), error=InvalidToken)
    assert forged.error == "invalid_token" and forged.www_authenticate().startswith("DPoP ")
    verifier.revocations.lost()
    down = refused(verifier, token, presentation(key, token, wall), error=Unavailable)
    assert down.status == 503 and "WWW-Authenticate" not in down.headers()


def test_an_invalid_token_is_refused_before_its_proof_is_spent(verifier: Verifier, issuer: Issuer,
                                                               key: DPoPKey, wall: Clock) -> None:
    token = bound(issuer, key, exp=int(wall.now) - 60)
    request = presentation(key, token, wall)
    refused(verifier, token, request, error=InvalidToken)
    assert len(verifier.dpop.replay) == 0  # type: ignore[arg-type]


# -- the replay cache ------------------------------------------------------------------

def test_the_replay_cache_forgets_after_its_ttl(wall: Clock) -> None:
    cache = ReplayCache(ttl_seconds=71, clock=wall)
    iat = wall.now
    assert cache.first_use("a", iat) and not cache.first_use("a", iat)
    wall.now += 70
    assert not cache.first_use("a", iat)
    wall.now += 1
    assert cache.first_use("b", wall.now) and len(cache) == 1  # "a" is gone: so old a proof is stale


def test_a_full_replay_cache_refuses_what_it_dropped(wall: Clock) -> None:
    cache = ReplayCache(ttl_seconds=71, max_entries=2, clock=wall)
    assert cache.first_use("p1", wall.now - 3) and cache.first_use("p2", wall.now - 2)
    assert cache.first_use("p3", wall.now - 1) and len(cache) == 2  # p1 dropped
    assert not cache.first_use("p1", wall.now - 3)  # not recognised any more, but refused
    assert not cache.first_use("p4", wall.now - 3)  # as old as the dropped one: refused too
    assert cache.first_use("p5", wall.now)


def test_a_shared_replay_guard_can_be_given(issuer: Issuer, state: RevocationState, wall: Clock,
                                            key: DPoPKey) -> None:
    seen: list[str] = []

    class Shared:
        def first_use(self, replay_key: str, iat: float) -> bool:
            if replay_key in seen:
                return False
            seen.append(replay_key)
            return True

    replica = [Verifier(ISSUER, AUDIENCE, JwksCache(ISSUER, fetch=issuer.fetch), state, clock=wall,
                        dpop_replay=Shared()) for _ in range(2)]
    token = bound(issuer, key)
    request = presentation(key, token, wall)
    replica[0].verify(token, dpop=request)
    refused(replica[1], token, request)


# -- the request's URL -----------------------------------------------------------------

@pytest.mark.parametrize("scope, base, url", [
    ({"scheme": "https", "headers": [(b"host", b"api.example.com")], "raw_path": b"/orders"}, None, URL),
    ({"scheme": "http", "server": ("10.0.0.1", 8080), "path": "/a b"}, None, "http://10.0.0.1:8080/a%20b"),
    ({"scheme": "https", "server": ("api.example.com", 443), "path": "/x"}, None, "https://api.example.com/x"),
    ({"scheme": "http", "headers": [(b"host", b"internal:8000")], "raw_path": b"/orders%2F1?q=1"},
     "https://api.example.com/", "https://api.example.com/orders%2F1"),
    ({"scheme": "http", "headers": [], "raw_path": b"/orders"}, "https://example.com/api",
     "https://example.com/api/orders")])
def test_the_request_url(scope: dict[str, Any], base: str | None, url: str) -> None:
    assert request_url(scope, base) == url


@pytest.mark.parametrize("base", ["api.example.com", "ftp://api.example.com", "https://a.example/?x=1"])
def test_a_public_base_url_must_be_an_http_url(issuer: Issuer, state: RevocationState, base: str) -> None:
    with pytest.raises(ValueError):
        Verifier(ISSUER, AUDIENCE, JwksCache(ISSUER, fetch=issuer.fetch), state, public_base_url=base)


def test_the_config_reads_the_public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"ISSUER": ISSUER, "AUDIENCE": AUDIENCE, "FEED_TARGET": "token:50054",
                        "TLS_DIR": "/tls", "PUBLIC_URL": "https://api.example.com",
                        "DPOP_MAX_AGE_SECONDS": "30", "DPOP_CLOCK_SKEW_SECONDS": "2"}.items():
        monkeypatch.setenv(f"AUTHGATE_VERIFIER_{name}", value)
    config = VerifierConfig.from_env()
    assert (config.public_base_url, config.dpop_max_age, config.dpop_clock_skew) == (
        "https://api.example.com", 30.0, 2.0)


# -- the web adapters, end to end ------------------------------------------------------

def _app(verifier: Verifier) -> FastAPI:
    app = FastAPI()

    @app.get("/orders")
    def orders(claims: Claims = Depends(require(verifier, "read"))) -> dict:
        return {"sub": claims.sub, "jkt": claims.cnf_jkt}

    return app


def _dpop(key: DPoPKey, token: str, wall: Clock, url: str, method: str = "GET") -> dict[str, str]:
    proof = key.proof(method, url, access_token=token, iat=wall.now)
    return {"Authorization": f"DPoP {token}", "DPoP": proof}


def test_the_dependency_accepts_a_bound_token_with_its_proof(verifier: Verifier, issuer: Issuer,
                                                             key: DPoPKey, wall: Clock) -> None:
    client = TestClient(_app(verifier))
    token = bound(issuer, key)
    headers = _dpop(key, token, wall, "http://testserver/orders?page=1")
    ok = client.get("/orders?page=2", headers=headers)
    assert ok.status_code == 200 and ok.json() == {"sub": "user-1", "jkt": key.jkt}

    replay = client.get("/orders", headers=headers)
    assert replay.status_code == 401 and replay.json()["detail"]["error"] == "invalid_dpop_proof"
    assert replay.headers["www-authenticate"].startswith('DPoP algs="ES256 ES384 RS256 PS256 EdDSA", '
                                                         'error="invalid_dpop_proof"')
    as_bearer = client.get("/orders", headers={"Authorization": f"Bearer {token}"})
    assert as_bearer.status_code == 401 and as_bearer.json()["detail"]["error"] == "invalid_token"
    assert as_bearer.headers["www-authenticate"].startswith("DPoP ")
    other_host = client.get("/orders", headers=_dpop(key, token, wall, "https://api.example.com/orders"))
    assert other_host.status_code == 401 and other_host.json()["detail"]["error"] == "invalid_dpop_proof"
    unbound = issuer.token()
    plain = client.get("/orders", headers=_dpop(key, unbound, wall, "http://testserver/orders"))
    assert plain.status_code == 401 and plain.json()["detail"]["error"] == "invalid_token"
    assert client.get("/orders", headers={"Authorization": f"Bearer {unbound}"}).status_code == 200
    two = [("Authorization", f"DPoP {token}"),
           ("DPoP", key.proof("GET", "http://testserver/orders", access_token=token, iat=wall.now)),
           ("DPoP", key.proof("GET", "http://testserver/orders", access_token=token, iat=wall.now))]
    assert client.get("/orders", headers=two).json()["detail"]["error_description"] == \
        "The request carries more than one DPoP proof."


def test_the_middleware_uses_the_public_base_url(issuer: Issuer, state: RevocationState, wall: Clock,
                                                 key: DPoPKey) -> None:
    verifier = Verifier(ISSUER, AUDIENCE, JwksCache(ISSUER, fetch=issuer.fetch), state, clock=wall,
                        public_base_url="https://api.example.com/shop")
    app = FastAPI()

    @app.post("/orders")
    def create(request: Request) -> dict:
        return {"jkt": request.state.claims.cnf_jkt}

    client = TestClient(BearerMiddleware(app, verifier, required_scopes=["read"]))
    token = bound(issuer, key)
    public = "https://api.example.com/shop/orders"
    ok = client.post("/orders", headers=_dpop(key, token, wall, public, "POST"))
    assert ok.status_code == 200 and ok.json() == {"jkt": key.jkt}
    internal = client.post("/orders", headers=_dpop(key, token, wall, "http://testserver/orders", "POST"))
    assert internal.status_code == 401 and internal.json()["error"] == "invalid_dpop_proof"
    assert internal.headers["www-authenticate"].startswith('DPoP algs="')
    wrong_method = client.post("/orders", headers=_dpop(key, token, wall, public, "GET"))
    assert wrong_method.status_code == 401 and wrong_method.json()["error"] == "invalid_dpop_proof"
    no_proof = client.post("/orders", headers={"Authorization": f"DPoP {token}"})
    assert no_proof.status_code == 401 and no_proof.json()["error"] == "invalid_dpop_proof"
    missing = client.post("/orders")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
