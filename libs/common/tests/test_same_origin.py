"""Cookie-authenticated changes must come from our own origin; logout's return_to stays on it."""

from __future__ import annotations

import pytest
from authgate_common.core.return_to import safe_return_to
from authgate_common.same_origin import origin_of, same_origin

ISSUER = "https://id.example.com"


@pytest.mark.parametrize("headers", [
    {"sec-fetch-site": "same-origin"},
    {"origin": "https://id.example.com"},
    {"origin": "https://ID.example.com:443"},
    {"referer": "https://id.example.com/api/v1/logout"},
    {"sec-fetch-site": "same-origin", "origin": "null"},  # Referrer-Policy: no-referrer
])
def test_same_origin_requests_pass(headers: dict[str, str]) -> None:
    assert same_origin(headers, ISSUER)


@pytest.mark.parametrize("headers", [
    {},
    {"origin": "null"},
    {"origin": "https://evil.example"},
    {"origin": "http://id.example.com"},
    {"origin": "https://id.example.com.evil.example"},
    {"referer": "https://evil.example/?https://id.example.com"},
    {"sec-fetch-site": "cross-site", "origin": "https://id.example.com"},
    {"sec-fetch-site": "same-site"},
    {"sec-fetch-site": "same-origin", "origin": "https://evil.example"},
    {"referer": "not a url"},
])
def test_cross_site_or_unproven_requests_fail(headers: dict[str, str]) -> None:
    assert not same_origin(headers, ISSUER)


def test_origin_of_normalises_default_ports() -> None:
    assert origin_of("http://localhost:8000/x") == "http://localhost:8000"
    assert origin_of("HTTP://LOCALHOST:80/") == "http://localhost"
    assert origin_of("javascript:alert(1)") is None
    assert origin_of("http://h:99999") is None


@pytest.mark.parametrize(("value", "expected"), [
    (None, "/"), ("/apps", "/apps"), ("https://evil.example/", "/"), ("//evil.example", "/"),
    ("/\\evil.example", "/"), ("/ok\r\nSet-Cookie: x=1", "/"), ("/caf\u00e9", "/caf%C3%A9"),
])
def test_return_to_stays_on_site(value: str | None, expected: str) -> None:
    assert safe_return_to(value) == expected
