"""Refresh tokens (RFC 6749 §6) rotate on every use; a rotated one presented again revokes
its whole family and every access token it issued (RFC 9700 §4.14.2)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from authgate_common.core.errors import InvalidGrant, InvalidScope, InvalidToken, UnauthorizedClient


def _validate(world, access_token: str) -> dict:
    return world.service.validator.validate(access_token)


def test_code_exchange_issues_a_refresh_token_only_to_clients_registered_for_it(calls) -> None:
    first = calls.sign_in()
    assert first.refresh_token and len(first.refresh_token) >= 43
    assert "refresh_token" in first.to_dict()
    web = calls.sign_in(client_id="web", auth=("web", "s3cret"), scopes=("openid", "read"))
    assert web.refresh_token is None


def test_only_a_keyed_hash_of_the_refresh_token_is_stored(calls) -> None:
    raw = calls.sign_in().refresh_token
    (stored,) = calls.world.refresh_store.tokens.values()
    assert raw not in repr(stored) and stored.token_hash != raw and len(stored.token_hash) == 64


def test_every_use_rotates(calls) -> None:
    first = calls.sign_in()
    second = calls.refresh(first.refresh_token)
    assert second.refresh_token and second.refresh_token != first.refresh_token
    assert second.scope == "openid read write" and second.id_token
    claims = _validate(calls.world, second.access_token)
    assert claims["sid"] == "sid-1" and claims["sub"] == "u1" and claims["client_id"] == "app"
    third = calls.refresh(second.refresh_token)
    assert third.refresh_token not in (first.refresh_token, second.refresh_token)


def test_reuse_revokes_the_family_and_its_access_tokens(calls) -> None:
    first = calls.sign_in()
    second = calls.refresh(first.refresh_token)
    third = calls.refresh(second.refresh_token)
    with pytest.raises(InvalidGrant):
        calls.refresh(first.refresh_token)  # the attacker (or the victim) replays an old one
    for access in (first.access_token, second.access_token, third.access_token):
        with pytest.raises(InvalidToken, match="revoked"):
            _validate(calls.world, access)
    with pytest.raises(InvalidGrant):
        calls.refresh(third.refresh_token)
    assert calls.world.refresh_store.events() == ["refresh_reuse_detected"]
    _at, event = calls.world.refresh_store.audit_rows[0]
    assert event.client_id == "app" and event.sid == "sid-1"
    assert all(t not in repr(event) for t in (first.refresh_token, third.refresh_token))


def test_other_families_survive_a_reuse(calls) -> None:
    victim, bystander = calls.sign_in(), calls.sign_in()
    calls.refresh(victim.refresh_token)
    with pytest.raises(InvalidGrant):
        calls.refresh(victim.refresh_token)
    assert calls.refresh(bystander.refresh_token).access_token


def test_scope_may_narrow_but_never_widen(calls) -> None:
    first = calls.sign_in()
    narrowed = calls.refresh(first.refresh_token, scope="read")
    assert narrowed.scope == "read" and narrowed.id_token is None
    assert _validate(calls.world, narrowed.access_token)["scope"] == "read"
    # The successor still stands for the original grant.
    assert calls.refresh(narrowed.refresh_token).scope == "openid read write"


def test_widening_is_invalid_scope_and_does_not_burn_the_token(calls) -> None:
    first = calls.sign_in(scopes=("openid", "read"))
    for scope in ("read write", "admin", "read profile"):
        with pytest.raises(InvalidScope):
            calls.refresh(first.refresh_token, scope=scope)
    assert calls.refresh(first.refresh_token).scope == "openid read"


def test_another_clients_refresh_token_is_invalid_grant_and_not_burned(calls) -> None:
    first = calls.sign_in()
    with pytest.raises(InvalidGrant):
        calls.refresh(first.refresh_token, auth=("other", "other-secret"))
    assert calls.refresh(first.refresh_token).access_token
    assert calls.world.refresh_store.events() == []


def test_unknown_and_oversized_tokens_are_invalid_grant(calls) -> None:
    for token in ("nope", "x" * 5000, "a.b.c"):
        with pytest.raises(InvalidGrant):
            calls.refresh(token)


def test_expired_refresh_token_is_invalid_grant(calls) -> None:
    first = calls.sign_in()
    store = calls.world.refresh_store
    (h, token), = store.tokens.items()
    store.tokens[h] = replace(token, expires_at=token.created_at - timedelta(seconds=1))
    with pytest.raises(InvalidGrant, match="expired"):
        calls.refresh(first.refresh_token)


def test_ended_session_is_invalid_grant_and_ends_the_family(calls) -> None:
    first = calls.sign_in(sid="sid-gone")
    with pytest.raises(InvalidGrant, match="session"):
        calls.refresh(first.refresh_token)
    (family,) = calls.world.refresh_store.families.values()
    assert family.revoked_reason == "session_ended"


def test_a_client_not_registered_for_the_grant_is_unauthorized(calls) -> None:
    first = calls.sign_in()
    with pytest.raises(UnauthorizedClient):
        calls.refresh(first.refresh_token, auth=("web", "s3cret"))


def test_a_public_client_refreshes_with_its_client_id(calls) -> None:
    first = calls.sign_in(("openid", "read"), client_id="spa", auth="spa")
    second = calls.refresh(first.refresh_token, auth="spa")
    assert second.refresh_token and second.scope == "openid read"
    with pytest.raises(InvalidGrant):
        calls.refresh(first.refresh_token, auth="spa")


def test_a_replayed_code_also_revokes_the_refresh_family(calls) -> None:
    first = calls.sign_in()
    second = calls.refresh(first.refresh_token)
    (code,) = calls.world.authorization.codes
    with pytest.raises(InvalidGrant):
        calls.exchange(code)
    with pytest.raises(InvalidGrant):
        calls.refresh(second.refresh_token)
    with pytest.raises(InvalidToken):
        _validate(calls.world, second.access_token)
    assert calls.world.refresh_store.events() == ["code_replay_family_revoked"]
