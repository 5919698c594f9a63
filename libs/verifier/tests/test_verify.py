"""What the verifier accepts and refuses: ValidateToken's rules, in process."""

from __future__ import annotations

import pytest
from authgate_verifier import InsufficientScope, InvalidToken, Unavailable, Verifier
from verifier_fakes import ISSUER, Clock, Issuer


def refused(verifier: Verifier, token: str) -> str:
    with pytest.raises(InvalidToken) as info:
        verifier.verify(token)
    return info.value.description


def test_a_valid_token_gives_its_claims(verifier: Verifier, issuer: Issuer) -> None:
    claims = verifier.verify(issuer.token(), ["read"])
    assert (claims.sub, claims.client_id, claims.sid) == ("user-1", "app", "sid-1")
    assert claims.scopes == {"openid", "read"} and claims.raw["iss"] == ISSUER


@pytest.mark.parametrize("make, reason", [
    (lambda i: i.unsigned(), "unaccepted algorithm"),
    (lambda i: i.hs256_with_public_key("k1"), "unaccepted algorithm"),
    (lambda i: i.token(header={"typ": "JWT"}), "not an access token"),
    (lambda i: i.token(header={"jku": "https://evil.example/jwks"}), "refused header"),
    (lambda i: i.token(header={"kid": "nope"}), "not signed by a known key"),
    (lambda i: i.token(aud="https://elsewhere"), "not meant for this audience"),
    (lambda i: i.token(iss="https://evil.example"), "issued by someone else"),
    (lambda i: i.token(jti=None), "lacks a required claim"),
    (lambda i: i.token(exp="soon"), "invalid"),
    (lambda i: "a.b", "malformed"),
    (lambda i: "x" * 9000, "too large"),
])
def test_refusals(verifier: Verifier, issuer: Issuer, make, reason: str) -> None:
    assert reason in refused(verifier, make(issuer))


def test_a_forged_signature_is_refused(verifier: Verifier, issuer: Issuer) -> None:
    issuer.new_key("forger", publish=False)
    genuine = issuer.token()
    forged = issuer.token(kid="forger", header={"kid": "k1"})
    assert refused(verifier, forged) == "The access token is invalid."
    head, body, sig = genuine.split(".")
    assert refused(verifier, f"{head}.{body[:-2]}AA.{sig}") in (
        "The access token is invalid.", "The access token is malformed.")


def test_time_claims_allow_the_skew_and_no_more(verifier: Verifier, issuer: Issuer, wall: Clock) -> None:
    token = issuer.token()
    wall.now += 900 + 29
    verifier.verify(token)  # cached, still inside the skew
    wall.now += 1
    assert refused(verifier, token) == "The access token has expired."
    wall.now -= 900 + 30
    assert "not valid yet" in refused(verifier, issuer.token(nbf=int(wall.now) + 31))
    verifier.verify(issuer.token(nbf=int(wall.now) + 29))


def test_required_scopes(verifier: Verifier, issuer: Issuer) -> None:
    with pytest.raises(InsufficientScope) as info:
        verifier.verify(issuer.token(), ["read", "write"])
    assert info.value.status == 403 and 'scope="read write"' in info.value.www_authenticate()


def test_an_unknown_kid_refetches_the_jwks_at_most_every_five_seconds(
        verifier: Verifier, issuer: Issuer, mono: Clock) -> None:
    def later(seconds: float) -> None:
        mono.now += seconds
        verifier.revocations.apply(snapshot_complete=True)  # the feed's heartbeat meanwhile

    verifier.verify(issuer.token())
    assert issuer.fetches == 1
    issuer.new_key("k2")  # rotation pre-publishes the next key
    later(5)
    verifier.verify(issuer.token(kid="k2"))
    assert issuer.fetches == 2
    issuer.new_key("k3")
    assert "known key" in refused(verifier, issuer.token(kid="k3"))  # within 5 s: not fetched
    assert issuer.fetches == 2
    later(5)
    verifier.verify(issuer.token(kid="k3"))
    assert issuer.fetches == 3


def test_a_cached_token_is_verified_again_once_its_key_left_the_jwks(
        verifier: Verifier, issuer: Issuer, mono: Clock) -> None:
    token = issuer.token()
    verifier.verify(token)
    issuer.new_key("k2")
    issuer.published.remove("k1")
    mono.now += 300  # the set is read again when stale
    verifier.revocations.apply(snapshot_complete=True)
    assert "known key" in refused(verifier, issuer.token(kid="k1"))
    assert "known key" in refused(verifier, token)


def test_the_cache_is_bounded(verifier: Verifier, issuer: Issuer) -> None:
    tokens = [issuer.token() for _ in range(6)]
    for t in tokens:
        verifier.verify(t)
    assert len(verifier._cache) == 4 and tokens[0] not in verifier._cache


def test_revocations_refuse_cached_tokens(verifier: Verifier, issuer: Issuer, wall: Clock) -> None:
    by_jti, by_sid, old = issuer.token(), issuer.token(sid="sid-2"), issuer.token(client_id="gone")
    new = issuer.token(client_id="gone", iat=int(wall.now) + 2)
    for t in (by_jti, by_sid, old, new):
        verifier.verify(t)
    jti = verifier.verify(by_jti).jti
    forget = wall.now + 900
    verifier.revocations.apply(jtis=[(jti, forget)], sessions=[("sid-2", forget)],
                               clients=[("gone", int(wall.now) + 1, forget)])
    assert refused(verifier, by_jti) == "The access token has been revoked."
    assert by_jti not in verifier._cache
    assert "session" in refused(verifier, by_sid)
    assert refused(verifier, old) == "The access token has been revoked."
    verifier.verify(new)  # issued after the client's revocation


def test_fail_closed_until_synced_and_when_silent(issuer: Issuer, wall: Clock, mono: Clock) -> None:
    from authgate_verifier import JwksCache, RevocationState
    state = RevocationState(max_silence=5.0, clock=wall, monotonic=mono)
    verifier = Verifier(ISSUER, "urn:authgate:api", JwksCache(ISSUER, fetch=issuer.fetch, monotonic=mono),
                        state, clock=wall)
    token = issuer.token()
    state.connecting()
    with pytest.raises(Unavailable):
        verifier.verify(token)
    state.apply(jtis=[("x", wall.now + 60)])  # a snapshot page, not the last
    with pytest.raises(Unavailable):
        verifier.verify(token)
    state.apply(snapshot_complete=True)
    verifier.verify(token)
    mono.now += 4.9
    verifier.verify(token)
    mono.now += 0.1
    with pytest.raises(Unavailable) as info:
        verifier.verify(token)
    assert info.value.status == 503 and state.heard_long_ago()
    state.apply(snapshot_complete=True)  # a heartbeat
    verifier.verify(token)
    state.lost()
    with pytest.raises(Unavailable):
        verifier.verify(token)


def test_forgotten_entries_are_pruned(state, wall: Clock) -> None:
    state.apply(jtis=[("a", wall.now + 1), ("b", wall.now + 100)], clients=[("c", 5, wall.now + 1)])
    wall.now += 2
    state.prune()
    assert set(state.jtis) == {"b"} and not state.clients
