"""RFC 8707 `resource` values (authgate_common.core.resource_indicators) and the form
parser's repeatable parameters (core.forms.parse_form)."""

from __future__ import annotations

import pytest
from authgate_common.core.errors import InvalidRequest, InvalidTarget
from authgate_common.core.forms import parse_form
from authgate_common.core.resource_indicators import (
    allowed_resources,
    narrow_scopes,
    parse_resources,
    split_repeated,
)
from authgate_common.core.scope_catalog import SEEDED

FORM = "application/x-www-form-urlencoded"
ISSUER = "https://auth.example"


def test_resource_may_repeat_only_when_allowed() -> None:
    body = b"resource=urn%3Aa&resource=https%3A%2F%2Fb.example&scope=read"
    params = parse_form(FORM, body, frozenset({"resource"}))
    assert split_repeated(params["resource"]) == ["urn:a", "https://b.example"]
    with pytest.raises(InvalidRequest):
        parse_form(FORM, body)
    with pytest.raises(InvalidRequest):
        parse_form(FORM, b"scope=a&scope=b", frozenset({"resource"}))


@pytest.mark.parametrize("value", ["relative", "https://a.example/#f", "https://a.example/ x", "x" * 600])
def test_a_malformed_resource_is_invalid_target(value: str) -> None:
    with pytest.raises(InvalidTarget):
        parse_resources([value])


def test_resources_keep_order_without_repeats() -> None:
    assert parse_resources(["urn:a", "https://b.example/api", "urn:a"]) == ("urn:a", "https://b.example/api")


def test_allowed_and_narrowed_by_the_catalogue() -> None:
    scopes = ["openid", "read", "account"]
    assert allowed_resources(SEEDED, scopes, ISSUER) == ["urn:authgate:api", ISSUER + "/api/v1/account"]
    assert narrow_scopes(SEEDED, ["urn:authgate:api"], scopes, ISSUER) == ["openid", "read"]
