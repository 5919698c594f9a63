"""What the validator refuses (RFC 8725 §3, RFC 9068 §4, RFC 6750 §3.1): every failure is
invalid_token (or insufficient_scope / temporarily_unavailable), never an exception leak."""

from __future__ import annotations

import hashlib
import hmac
import time

import pytest
from authgate_common.core.errors import InsufficientScope, InvalidToken, TemporarilyUnavailable
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from token_service.domain.tokens.minting import AccessTokenRequest


def _token(world, **kw) -> str:
    req = dict(subject="u1", client_id="web", scopes=["openid", "read"], sid="sid-1")
    req.update(kw)
    return world.service.minter.access_token(AccessTokenRequest(**req)).token


def _claims(world) -> dict:
    now = int(time.time())
    return {"iss": "https://auth.example", "sub": "u1", "aud": ["web"], "exp": now + 600,
            "iat": now, "jti": "j-forged", "client_id": "web", "scope": "openid read admin"}


def _rs256(keys):
    private = keys.signing_key.prepared_key
    return lambda data: private.sign(data, padding.PKCS1v15(), hashes.SHA256())


def _header(keys, **kw) -> dict:
    return {"alg": "RS256", "typ": "at+jwt", "kid": keys.current_kid, **kw}


def _rejects(world, token: str, description: str | None = None) -> None:
    with pytest.raises(InvalidToken) as err:
        world.service.validator.validate(token)
    if description:
        assert description in err.value.description


def test_a_valid_token_comes_back_with_its_claims(world) -> None:
    claims = world.service.validator.validate(_token(world), required_scopes=["read"], audience="web")
    assert claims["sub"] == "u1" and claims["scope"] == "openid read"


def test_forged_token_signed_by_our_key_shape_is_accepted_only_when_really_ours(
        world, forge_token, other_keys) -> None:
    assert world.service.validator.validate(forge_token(_header(world.keys), _claims(world),
                                                        _rs256(world.keys)))["jti"] == "j-forged"
    _rejects(world, forge_token(_header(world.keys), _claims(world), _rs256(other_keys)))


def test_alg_none_is_refused(world, forge_token) -> None:
    _rejects(world, forge_token(_header(world.keys, alg="none"), _claims(world), lambda _d: b""),
             "algorithm")


def test_hs256_signed_with_the_public_key_pem_is_refused(world, forge_token) -> None:
    pem = world.keys.signing_key.prepared_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    token = forge_token(_header(world.keys, alg="HS256"), _claims(world),
                        lambda data: hmac.new(pem, data, hashlib.sha256).digest())
    _rejects(world, token, "algorithm")


def test_unknown_kid_is_refused(world, forge_token, other_keys) -> None:
    token = forge_token(_header(other_keys), _claims(world), _rs256(other_keys))
    _rejects(world, token, "known key")
    _rejects(world, forge_token({"alg": "RS256", "typ": "at+jwt"}, _claims(world), _rs256(world.keys)))


@pytest.mark.parametrize("name", ["jku", "x5u", "jwk", "x5c", "crit"])
def test_headers_that_bring_their_own_key_or_rules_are_refused(world, forge_token, name) -> None:
    token = forge_token(_header(world.keys, **{name: "https://evil.example/k"}), _claims(world),
                        _rs256(world.keys))
    _rejects(world, token, "refused header")


@pytest.mark.parametrize("typ", ["JWT", None, "id_token"])
def test_only_at_jwt_is_an_access_token(world, forge_token, typ) -> None:
    header = _header(world.keys, typ=typ)
    _rejects(world, forge_token(header, _claims(world), _rs256(world.keys)), "not an access token")


def test_typ_is_case_insensitive_and_may_carry_the_media_type(world, forge_token) -> None:
    for typ in ("AT+JWT", "application/at+jwt"):
        token = forge_token(_header(world.keys, typ=typ), _claims(world), _rs256(world.keys))
        assert world.service.validator.validate(token)["sub"] == "u1"


def test_wrong_issuer_is_refused(world, forge_token) -> None:
    claims = {**_claims(world), "iss": "https://evil.example"}
    _rejects(world, forge_token(_header(world.keys), claims, _rs256(world.keys)))


def test_id_token_is_not_an_access_token(world) -> None:
    id_token = world.service.minter.id_token(subject="u1", client_id="web", access_token="a.b.c")
    _rejects(world, id_token.token, "not an access token")


def test_expired_token_is_refused_after_the_skew(world, forge_token) -> None:
    now = int(time.time())
    within = {**_claims(world), "iat": now - 1000, "exp": now - 10}
    assert world.service.validator.validate(forge_token(_header(world.keys), within, _rs256(world.keys)))
    expired = {**_claims(world), "iat": now - 1000, "exp": now - 31}
    _rejects(world, forge_token(_header(world.keys), expired, _rs256(world.keys)), "expired")


def test_token_from_the_future_is_refused(world, forge_token) -> None:
    claims = {**_claims(world), "iat": int(time.time()) + 120}
    _rejects(world, forge_token(_header(world.keys), claims, _rs256(world.keys)), "not valid yet")


@pytest.mark.parametrize("claim", ["jti", "sub", "exp", "iat", "client_id"])
def test_missing_required_claim_is_refused(world, forge_token, claim) -> None:
    claims = _claims(world)
    del claims[claim]
    _rejects(world, forge_token(_header(world.keys), claims, _rs256(world.keys)))


def test_wrong_audience_is_refused(world) -> None:
    with pytest.raises(InvalidToken):
        world.service.validator.validate(_token(world), audience="https://other-api.example")


def test_missing_scope_is_insufficient_scope(world) -> None:
    with pytest.raises(InsufficientScope) as err:
        world.service.validator.validate(_token(world), required_scopes=["read", "admin"])
    assert err.value.metadata == {"scope": "read admin"}
    assert err.value.status_code == 403


def test_revoked_jti_is_refused(world) -> None:
    token = _token(world)
    jti = world.service.validator.validate(token)["jti"]
    world.service.ledger.revoke_jti(jti)
    _rejects(world, token, "revoked")


def test_token_of_an_ended_session_is_refused(world) -> None:
    token = _token(world, sid="sid-gone")
    _rejects(world, token, "session")


def test_unreachable_session_service_fails_closed(world) -> None:
    world.sessions.unavailable = True
    with pytest.raises(TemporarilyUnavailable):
        world.service.validator.validate(_token(world))
    # No sid, no session to ask about.
    assert world.service.validator.validate(_token(world, sid=""))["sub"] == "u1"


def test_tampered_payload_is_refused(world) -> None:
    header, payload, signature = _token(world).split(".")
    _rejects(world, f"{header}.{payload[:-2]}AA.{signature}")


@pytest.mark.parametrize("token", ["", "abc", "a.b", "a.b.c.d", "!!!.e30.x", "e30.e30.x",
                                   "WzFd.e30.x", "bnVsbA.e30.x", "é.e30.x"])
def test_malformed_tokens_are_invalid_token(world, token) -> None:
    _rejects(world, token)


def test_oversized_token_is_refused_before_parsing(world, forge_token) -> None:
    claims = {**_claims(world), "pad": "x" * 9 * 1024}
    token = forge_token(_header(world.keys), claims, _rs256(world.keys))
    assert len(token) > 9 * 1024
    _rejects(world, token, "too large")


def test_a_token_verified_once_is_not_verified_again_but_every_rule_still_applies(
        world, monkeypatch) -> None:
    from token_service.domain.tokens import validation

    verified = []
    real_verify = validation.jws.verify
    monkeypatch.setattr(validation.jws, "verify",
                        lambda *a, **kw: verified.append(1) or real_verify(*a, **kw))
    validator = world.service.validator
    token = _token(world)
    first = validator.validate(token)
    first["sub"] = "someone-else"  # the caller's copy: the remembered claims stay as signed
    assert validator.validate(token)["sub"] == "u1" and len(verified) == 1
    # Expiry is checked on every call, from the remembered claims.
    monkeypatch.setattr(validator, "_clock", lambda: first["exp"] + 31)
    _rejects(world, token, "expired")
    monkeypatch.undo()
    # So are the deny-list and the session (test_revoked_jti_is_refused, which validates first).
    world.service.ledger.revoke_jti(first["jti"])
    _rejects(world, token, "revoked")


def test_a_remembered_signature_counts_only_while_its_key_is_in_the_key_set(
        world, signing_key, monkeypatch) -> None:
    import dataclasses
    from datetime import UTC, datetime

    from token_service.domain.keys.key_set import KeySet, generate_signing_key

    token = _token(world)
    assert world.service.validator.validate(token)["sub"] == "u1"
    # Other key material under the same kid (what a reload that swapped the key would give):
    # the remembered verification was by another key object, so the token is verified again.
    impostor = dataclasses.replace(generate_signing_key(datetime.now(UTC)), kid=signing_key.kid)
    monkeypatch.setattr(world.service.validator, "_keys", KeySet([impostor]))
    _rejects(world, token, "invalid")
