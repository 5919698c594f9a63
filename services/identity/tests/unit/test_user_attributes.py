"""A user's attributes: bounded custom claims that never pass for a registered one."""

from __future__ import annotations

import pytest
from authgate_common.core.errors import InvalidRequest
from identity_fakes import Core
from identity_service.domain.access.attributes import parse_attributes
from identity_service.domain.access.user_access import AccessChange


def test_attributes_round_trip_and_are_released_by_name(core: Core) -> None:
    attributes = {"department": "finance", "level": 3, "remote": True, "sites": ["nyc", "ams"]}
    user, changed = core.set_access(core.user().id, AccessChange(attributes=attributes))
    assert changed and user.attributes == attributes
    claims = core.claims(user.id, ["openid"], ["department", "sites", "unknown"])
    assert claims == {"sub": user.id, "department": "finance", "sites": ["nyc", "ams"]}


@pytest.mark.parametrize("text", [
    '{"sub": "someone-else"}', '{"email": "x@example.com"}', '{"roles": ["admin"]}', '{"aud": "x"}',
    '{"nested": {"a": 1}}', '{"list": [1, 2]}', '{"n": null}', '{"x": NaN}', '{"bad name": 1}',
    '{"1digit": 1}', '["not", "an object"]', "not json", '{"s": "' + "x" * 1025 + '"}',
    '{"a": [' + ",".join(['"v"'] * 33) + "]}",
    "{" + ",".join(f'"a{i}": 1' for i in range(33)) + "}",
])
def test_malformed_or_reserved_attributes_are_invalid_requests(text: str) -> None:
    with pytest.raises(InvalidRequest):
        parse_attributes(text)


def test_empty_text_is_no_attributes() -> None:
    assert parse_attributes("") == {} and parse_attributes("{}") == {}


def test_standard_claims_can_be_asked_for_by_name(core: Core) -> None:
    user = core.user(name="Alice Liddell", email_verified=True)
    claims = core.claims(user.id, [], ["name", "email_verified", "sub"])
    assert claims == {"sub": user.id, "name": "Alice Liddell", "email_verified": True}
