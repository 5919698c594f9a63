"""The one OAuth form reader (RFC 6749 §3.1, §3.2) and the one client-address rule."""

from __future__ import annotations

import pytest
from authgate_common.core.client_address import client_address
from authgate_common.core.errors import InvalidRequest
from authgate_common.core.forms import FORM_TYPE, is_form, parse_form


def test_a_form_is_read_into_one_value_per_parameter() -> None:
    assert parse_form(FORM_TYPE + "; charset=UTF-8", b"a=1&b=&c=%C3%A9") == {"a": "1", "b": "", "c": "é"}
    assert is_form("Application/X-WWW-Form-Urlencoded") and not is_form(None)


@pytest.mark.parametrize(("content_type", "body"), [
    (FORM_TYPE, b"grant_type=a&grant_type=b"),  # "MUST NOT be included more than once"
    (FORM_TYPE, b"a=%00"),
    (FORM_TYPE, b"a=%ff%fe"),
    ("application/json", b"a=1"),
    (None, b"a=1"),
])
def test_a_malformed_form_is_invalid_request(content_type: str | None, body: bytes) -> None:
    with pytest.raises(InvalidRequest):
        parse_form(content_type, body)


@pytest.mark.parametrize(("external", "forwarded", "peer", "expected"), [
    ("198.51.100.1", "203.0.113.9", "10.0.0.1", "198.51.100.1"),
    (None, "203.0.113.9, 198.51.100.2", "10.0.0.1", "198.51.100.2"),  # the entry Envoy appended
    (None, None, "10.0.0.1", "10.0.0.1"),
    (None, None, None, ""),
])
def test_the_client_address_is_the_one_the_gateway_vouches_for(
        external: str | None, forwarded: str | None, peer: str | None, expected: str) -> None:
    assert client_address(external, forwarded, peer) == expected
