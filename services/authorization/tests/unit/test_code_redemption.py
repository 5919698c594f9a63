"""Redeeming a code exactly once (RFC 6749 §4.1.3, §10.5; RFC 9700 §4.2.4)."""

from __future__ import annotations

import pytest
from authgate_common.core.errors import InvalidGrant
from authorization_fakes import REDIRECT

REPLAYED = "authgate-replayed-grant-id"


@pytest.fixture
def issued(core, pkce):
    core.register()
    verifier, challenge = pkce
    return core.issue_code(challenge), verifier


def test_redeem_returns_the_grant(core, issued) -> None:
    code, verifier = issued
    grant = core.service.redeemer.redeem(code, "web", REDIRECT, verifier)
    (stored,) = core.uow.repos.codes.rows.values()
    assert grant.grant_id == stored.grant_id and grant.client_id == "web"
    assert grant.user_id == "user-1" and grant.sid == stored.sid
    assert grant.scopes == ("openid", "read") and grant.nonce == "n-0S6"
    assert grant.amr == ("pwd",) and grant.auth_time == stored.auth_time
    assert stored.consumed_at == core.clock.now()


def test_replay_is_invalid_grant_naming_the_grant(core, issued) -> None:
    code, verifier = issued
    first = core.service.redeemer.redeem(code, "web", REDIRECT, verifier)
    with pytest.raises(InvalidGrant) as exc:
        core.service.redeemer.redeem(code, "web", REDIRECT, verifier)
    assert exc.value.metadata == {REPLAYED: first.grant_id}
    assert exc.value.description == "authorization code already used"


def test_unknown_code_is_invalid_grant_without_grant_id(core, issued) -> None:
    _, verifier = issued
    for code in ("not-a-code", "", "x" * 10_000):
        with pytest.raises(InvalidGrant) as exc:
            core.service.redeemer.redeem(code, "web", REDIRECT, verifier)
        assert REPLAYED not in exc.value.metadata


def test_expired_code_is_invalid_grant(core, issued) -> None:
    code, verifier = issued
    core.clock.advance(60)
    with pytest.raises(InvalidGrant):
        core.service.redeemer.redeem(code, "web", REDIRECT, verifier)


def test_code_just_before_expiry_is_accepted(core, issued) -> None:
    code, verifier = issued
    core.clock.advance(59)
    assert core.service.redeemer.redeem(code, "web", REDIRECT, verifier).client_id == "web"


@pytest.mark.parametrize("client_id, redirect_uri", [
    ("other", REDIRECT), ("web", "https://app.example/cb2"), ("web", "")])
def test_wrong_client_or_redirect_uri_burns_the_code(core, issued, client_id, redirect_uri) -> None:
    code, verifier = issued
    with pytest.raises(InvalidGrant) as exc:
        core.service.redeemer.redeem(code, client_id, redirect_uri, verifier)
    assert REPLAYED not in exc.value.metadata
    # The failed attempt consumed the code: the legitimate client now sees a replay.
    with pytest.raises(InvalidGrant) as exc:
        core.service.redeemer.redeem(code, "web", REDIRECT, verifier)
    assert REPLAYED in exc.value.metadata
