"""Token revocation (RFC 7009): client-authenticated; refresh tokens take their family and
its access tokens with them; access tokens are deny-listed by jti until they would expire;
unknown, malformed and foreign tokens are answered the same and never revoked."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from authgate_common.core.errors import InvalidGrant
from token_service.domain.tokens.minting import AccessTokenRequest, TokenMinter


def test_revoking_an_access_token_deny_lists_its_jti_until_it_expires(calls) -> None:
    tokens = calls.sign_in()
    calls.revoke(tokens.access_token, token_type_hint="refresh_token")  # a wrong hint changes nothing
    assert not calls.world.accepts(tokens.access_token)
    # The deny-list entry and its record live no longer than the token could.
    jti = calls.world.service.validator.signed_claims(tokens.access_token)["jti"]
    assert calls.world.deny_list._expiry[jti] - time.monotonic() <= 900 + 31
    entry, _revoked_at = calls.world.refresh_store.revoked[jti]
    assert entry.ttl_seconds(datetime.now(UTC)) <= 900 + 31
    assert calls.refresh(tokens.refresh_token).access_token  # the refresh token was not touched


def test_revoking_a_refresh_token_ends_its_family_and_access_tokens(calls) -> None:
    first = calls.sign_in()
    second = calls.refresh(first.refresh_token)
    calls.revoke(second.refresh_token, token_type_hint="access_token")
    with pytest.raises(InvalidGrant):
        calls.refresh(second.refresh_token)
    assert not calls.world.accepts(first.access_token) and not calls.world.accepts(second.access_token)
    assert calls.world.refresh_store.events() == ["refresh_revoked"]


def test_another_clients_tokens_are_never_revoked(calls) -> None:
    tokens = calls.sign_in()
    other = ("other", "other-secret")
    calls.revoke(tokens.access_token, auth=other)
    calls.revoke(tokens.refresh_token, auth=other)
    assert calls.world.accepts(tokens.access_token)
    assert calls.refresh(tokens.refresh_token).access_token


@pytest.mark.parametrize("token", ["unknown", "a.b.c", "x" * 5000, "eyJhbGciOiJub25lIn0.e30."])
def test_unknown_and_malformed_tokens_are_accepted_silently(calls, token) -> None:
    calls.revoke(token)


def test_an_expired_access_token_of_ours_is_fine_to_revoke(calls, keys) -> None:
    old = TokenMinter(keys, "https://auth.example", 60, 60, clock=lambda: time.time() - 3600)
    token = old.access_token(AccessTokenRequest(subject="u1", client_id="app", scopes=["read"])).token
    calls.revoke(token)
    assert not calls.world.deny_list._expiry and not calls.world.refresh_store.revoked
