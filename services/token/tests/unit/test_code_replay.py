"""A replayed authorization code revokes what its first redemption issued
(RFC 6749 §4.1.2, RFC 9700 §4.2.4)."""

from __future__ import annotations

import pytest
from authgate_common.core.errors import InvalidGrant, InvalidToken
from token_service.entrypoints.form_request import form_request

BASIC = "Basic d2ViOnMzY3JldA=="  # web:s3cret
BODY = b"grant_type=authorization_code&code=c1&redirect_uri=https%3A%2F%2Fapp%2Fcb&code_verifier=v"
FORM = "application/x-www-form-urlencoded"


def test_replay_is_invalid_grant_and_deny_lists_the_first_tokens(world, make_grant) -> None:
    world.authorization.add_code("c1", make_grant("grant-42"), "https://app/cb")
    first = world.service.token_endpoint.handle(form_request(FORM, BODY, BASIC))
    jti = world.service.validator.validate(first.access_token)["jti"]
    assert world.refresh_store.issued[jti].grant_id == "grant-42"  # recorded in the database

    with pytest.raises(InvalidGrant):
        world.service.token_endpoint.handle(form_request(FORM, BODY, BASIC))

    assert jti in world.refresh_store.revoked and world.deny_list.check(jti)[0]
    with pytest.raises(InvalidToken, match="revoked"):
        world.service.validator.validate(first.access_token)


def test_tokens_of_other_grants_stay_valid(world, make_grant) -> None:
    world.authorization.add_code("c1", make_grant("grant-a"), "https://app/cb")
    world.authorization.add_code("c2", make_grant("grant-b"), "https://app/cb")
    first = world.service.token_endpoint.handle(form_request(FORM, BODY, BASIC))
    other = world.service.token_endpoint.handle(
        form_request(FORM, BODY.replace(b"code=c1", b"code=c2"), BASIC))
    with pytest.raises(InvalidGrant):
        world.service.token_endpoint.handle(form_request(FORM, BODY, BASIC))
    with pytest.raises(InvalidToken):
        world.service.validator.validate(first.access_token)
    assert world.service.validator.validate(other.access_token)["sub"] == "u1"


def test_an_unknown_code_revokes_nothing(world, make_grant) -> None:
    world.authorization.add_code("c1", make_grant("grant-a"), "https://app/cb")
    first = world.service.token_endpoint.handle(form_request(FORM, BODY, BASIC))
    with pytest.raises(InvalidGrant):
        world.service.token_endpoint.handle(form_request(FORM, BODY.replace(b"code=c1", b"code=zz"), BASIC))
    assert world.service.validator.validate(first.access_token)
