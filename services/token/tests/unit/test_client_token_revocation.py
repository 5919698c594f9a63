"""RevokeClientTokens. With a user (a withdrawn consent): every live refresh family of that
user and client ends, with the access tokens it issued; other clients and users keep theirs.
Without one (the client was deleted): every family of the client for every user, and every
access token it was issued until that second, client_credentials included, on every path
that validates; tokens issued in a later second (a client registered again) validate.
Asking again changes nothing more."""

from __future__ import annotations

import time

import pytest
from authgate_common.core.errors import InvalidGrant, InvalidRequest, InvalidToken
from token_service.adapters.deny_list import MemoryDenyList
from token_service.domain.endpoints.userinfo import UserInfo
from token_service.domain.revocation.client_tokens import ClientTokenRevocation


def revocation(calls) -> ClientTokenRevocation:
    return ClientTokenRevocation(calls.world.service.refresh, calls.world.service.ledger)


def next_second() -> None:
    """Wait into the next whole second: `iat` has no finer grain."""
    time.sleep(1.01 - time.time() % 1)


def test_withdrawal_ends_the_clients_refresh_tokens_for_that_user(calls) -> None:
    first = calls.sign_in(client_id="app")
    second = calls.sign_in(client_id="app")
    other_client = calls.sign_in(client_id="other", auth=("other", "other-secret"))
    assert revocation(calls).revoke("u1", "app") == 2
    for resp in (first, second):
        with pytest.raises(InvalidGrant):
            calls.refresh(resp.refresh_token)
        with pytest.raises(InvalidToken):  # their access tokens are deny-listed too
            calls.world.service.validator.validate(resp.access_token)
    assert calls.refresh(other_client.refresh_token, auth=("other", "other-secret")).access_token
    assert revocation(calls).revoke("u1", "app") == 0  # idempotent


def test_other_users_of_the_client_keep_their_tokens(calls) -> None:
    resp = calls.sign_in(client_id="app")
    assert revocation(calls).revoke("someone-else", "app") == 0
    assert calls.refresh(resp.refresh_token).access_token
    assert calls.world.accepts(resp.access_token)  # a withdrawal revokes no client-wide


def test_the_client_id_is_required(calls) -> None:
    for user_id in ("u1", ""):
        with pytest.raises(InvalidRequest):
            revocation(calls).revoke(user_id, "")


def test_a_deleted_client_loses_every_token_on_every_path(calls) -> None:
    first, second = calls.sign_in(client_id="app"), calls.sign_in(client_id="app")
    other = calls.sign_in(client_id="other", auth=("other", "other-secret"))
    assert revocation(calls).revoke("", "app") == 2
    userinfo = UserInfo(calls.world.service.validator, calls.world.identity)
    for resp in (first, second):
        assert not calls.world.accepts(resp.access_token)
        assert calls.introspect(resp.access_token) == {"active": False}
        with pytest.raises(InvalidToken):
            userinfo.claims(resp.access_token)
        with pytest.raises(InvalidGrant):
            calls.refresh(resp.refresh_token)
    assert calls.world.accepts(other.access_token)
    assert calls.refresh(other.refresh_token, auth=("other", "other-secret")).access_token
    events = calls.world.refresh_store.events()
    assert events.count("client_deleted_family_revoked") == 2 and "client_tokens_revoked" in events
    assert revocation(calls).revoke("", "app") == 0  # asked again by the outbox: nothing more


def test_a_deleted_clients_client_credentials_tokens_are_refused(calls) -> None:
    svc = calls.token({"grant_type": "client_credentials"}, ("svc", "svc-secret"))
    api = calls.token({"grant_type": "client_credentials"}, ("api", "api-secret"))
    assert revocation(calls).revoke("", "svc") == 0  # no families, yet its tokens end
    assert not calls.world.accepts(svc.access_token)
    assert calls.introspect(svc.access_token, ("api", "api-secret")) == {"active": False}
    assert calls.world.accepts(api.access_token)


def test_the_same_second_is_refused_a_later_one_validates(calls) -> None:
    """A client registered again under the same id: its new tokens validate from the next
    second on. One issued within the second of the deletion is refused (the safe side)."""
    next_second()
    revocation(calls).revoke("", "svc")
    same_second = calls.token({"grant_type": "client_credentials"}, ("svc", "svc-secret"))
    revoked_before = calls.world.refresh_store.revoked_clients["svc"].revoked_before
    if calls.world.service.validator.signed_claims(same_second.access_token)["iat"] == revoked_before:
        assert not calls.world.accepts(same_second.access_token)
    next_second()
    later = calls.token({"grant_type": "client_credentials"}, ("svc", "svc-secret"))
    assert calls.world.accepts(later.access_token)


def test_a_deleted_client_survives_a_flush_of_the_deny_list(calls) -> None:
    svc = calls.token({"grant_type": "client_credentials"}, ("svc", "svc-secret"))
    revocation(calls).revoke("", "svc")
    calls.world.deny_list.flush()
    assert not calls.world.accepts(svc.access_token)  # reloaded from the record


def test_an_earlier_revocation_never_replaces_a_later_one() -> None:
    denied = MemoryDenyList()
    denied.add_clients([("c", 200, 60)])
    denied.add_clients([("c", 100, 60)])  # a sync pushing an older record row
    assert denied.check("j", "c", 150) == (True, False)
    assert denied.check("j", "c", 201) == (False, False)
    assert denied.check("j", "other", 150) == (False, False)
