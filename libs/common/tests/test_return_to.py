"""Where a login may send the browser: same-origin paths only (RFC 9700 §4.11)."""

from __future__ import annotations

import pytest
from authgate_common.core.return_to import safe_return_to


@pytest.mark.parametrize("target", [
    "/api/v1/oauth/authorize?client_id=web&state=a%2Fb", "/", "/a/b#frag", "/x:y",
])
def test_same_origin_paths_are_kept(target: str) -> None:
    assert safe_return_to(target) == target


@pytest.mark.parametrize("target", [
    None, "", "https://evil.example/", "//evil.example/x", "/\\evil.example", "\\\\evil",
    "javascript:alert(1)", "evil.example", "/ok\r\nSet-Cookie: x=1", "/\t/evil.example",
    "/a b", "/\u202eevil", "/" + "a" * 5000, "http:/evil",
])
def test_everything_else_becomes_the_root(target: str | None) -> None:
    assert safe_return_to(target) == "/"


def test_non_ascii_is_percent_encoded_for_the_location_header() -> None:
    assert safe_return_to("/café?q=ü") == "/caf%C3%A9?q=%C3%BC"
