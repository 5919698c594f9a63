"""Logout tokens (OIDC Back-Channel Logout 1.0 §2.4) and id_token_hint verification
(OIDC RP-Initiated Logout 1.0 §2)."""

from __future__ import annotations

import base64
import json
import time

import pytest
from authgate_common.core.errors import InvalidRequest
from jose import jws, jwt
from token_service.domain.tokens.id_token_hints import IdTokenHints
from token_service.domain.tokens.logout_tokens import BACKCHANNEL_LOGOUT_EVENT, LogoutTokens
from token_service.domain.tokens.minting import AccessTokenRequest, TokenMinter

ISSUER = "https://auth.example"


def test_logout_token_claims_and_header(keys) -> None:
    signed = LogoutTokens(keys, ISSUER + "/", clock=lambda: 1_700_000_000).sign("web", "u1", "sid-1")
    header = jwt.get_unverified_header(signed.token)
    assert header["typ"] == "logout+jwt" and header["alg"] == "RS256" and header["kid"] == keys.current_kid
    claims = json.loads(jws.verify(signed.token, keys.public_key(header["kid"]), algorithms=["RS256"]))
    assert claims["iss"] == ISSUER and claims["aud"] == "web"
    assert claims["sub"] == "u1" and claims["sid"] == "sid-1"
    assert claims["iat"] == 1_700_000_000 and 0 < claims["exp"] - claims["iat"] <= 300
    assert claims["events"] == {BACKCHANNEL_LOGOUT_EVENT: {}}
    assert "nonce" not in claims and len(claims["jti"]) >= 16


def test_every_logout_token_has_its_own_jti(keys) -> None:
    tokens = LogoutTokens(keys, ISSUER)
    assert tokens.sign("web", "u1", "s").claims["jti"] != tokens.sign("web", "u1", "s").claims["jti"]


@pytest.mark.parametrize(
    ("client_id", "sub", "sid"), [("", "u1", "s"), ("web", "", ""), ("web", "u" * 300, "s")]
)
def test_logout_token_needs_an_audience_and_a_subject_or_session(keys, client_id, sub, sid) -> None:
    with pytest.raises(InvalidRequest):
        LogoutTokens(keys, ISSUER).sign(client_id, sub, sid)


def _id_token(keys, *, issuer: str = ISSUER, clock=time.time, **kw) -> str:
    minter = TokenMinter(keys, issuer, 900, 900, clock=clock)
    return minter.id_token(subject="u1", client_id="web", access_token="at", sid="sid-1", **kw).token


def test_our_id_token_is_a_valid_hint_even_when_expired(keys) -> None:
    expired = _id_token(keys, clock=lambda: time.time() - 86400)
    hint = IdTokenHints(keys, ISSUER).verify(expired)
    assert (hint.sub, hint.sid, hint.aud) == ("u1", "sid-1", ("web",))
    assert hint.exp < time.time()


def _forge(header: dict, claims: dict, signature: bytes = b"sig") -> str:  # type: ignore[type-arg]
    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return ".".join([b64(json.dumps(header).encode()), b64(json.dumps(claims).encode()), b64(signature)])


def test_what_is_not_our_id_token_is_refused(keys, other_keys) -> None:
    hints = IdTokenHints(keys, ISSUER)
    minter = TokenMinter(keys, ISSUER, 900, 900)
    access = minter.access_token(AccessTokenRequest(subject="u1", client_id="web", scopes=["openid"])).token
    logout = LogoutTokens(keys, ISSUER).sign("web", "u1", "sid-1").token
    claims = {"iss": ISSUER, "sub": "u1", "aud": "web", "iat": 1, "exp": 2}
    refused = [
        access,  # typ at+jwt
        logout,  # typ logout+jwt
        _id_token(other_keys),  # a key that is not ours
        _id_token(keys, issuer="https://evil.example"),
        _forge({"alg": "none", "kid": keys.current_kid}, claims),
        _forge({"alg": "HS256", "kid": keys.current_kid}, claims),
        _forge({"alg": "RS256", "kid": keys.current_kid}, claims),  # bad signature
        _forge({"alg": "RS256", "kid": keys.current_kid, "jku": "https://evil/jwks"}, claims),
        "not-a-jwt",
        "a.b.c",
        "",
    ]
    for token in refused:
        with pytest.raises(InvalidRequest) as caught:
            hints.verify(token)
        assert caught.value.error == "invalid_request"
        assert token[:20] not in caught.value.description or not token
