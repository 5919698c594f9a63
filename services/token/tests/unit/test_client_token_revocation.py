"""RevokeClientTokens (a withdrawn consent): every live refresh family of that user and
client ends, with the access tokens it issued; other clients and users keep theirs, and
asking again changes nothing."""

from __future__ import annotations

import pytest
from authgate_common.core.errors import InvalidGrant, InvalidRequest, InvalidToken
from token_service.domain.revocation.client_tokens import ClientTokenRevocation


def test_withdrawal_ends_the_clients_refresh_tokens_for_that_user(calls) -> None:
    first = calls.sign_in(client_id="app")
    second = calls.sign_in(client_id="app")
    other_client = calls.sign_in(client_id="other", auth=("other", "other-secret"))
    revocation = ClientTokenRevocation(calls.world.service.refresh)
    assert revocation.revoke("u1", "app") == 2
    for resp in (first, second):
        with pytest.raises(InvalidGrant):
            calls.refresh(resp.refresh_token)
        with pytest.raises(InvalidToken):  # their access tokens are deny-listed too
            calls.world.service.validator.validate(resp.access_token)
    assert calls.refresh(other_client.refresh_token, auth=("other", "other-secret")).access_token
    assert revocation.revoke("u1", "app") == 0  # idempotent


def test_other_users_of_the_client_keep_their_tokens(calls) -> None:
    resp = calls.sign_in(client_id="app")
    assert ClientTokenRevocation(calls.world.service.refresh).revoke("someone-else", "app") == 0
    assert calls.refresh(resp.refresh_token).access_token


@pytest.mark.parametrize(("user_id", "client_id"), [("", "app"), ("u1", "")])
def test_both_ids_are_required(calls, user_id, client_id) -> None:
    with pytest.raises(InvalidRequest):
        ClientTokenRevocation(calls.world.service.refresh).revoke(user_id, client_id)
