"""Where a login or logout may send the browser next: same-origin paths only.

An open redirector lets a phishing link borrow this site's name (RFC 9700 §4.11,
RFC 6749 §10.15). Only an absolute path is accepted; anything that a browser could read
as another origin ("//evil", "/\\evil", "https://evil", "javascript:") becomes "/".
"""

from __future__ import annotations

import unicodedata
import urllib.parse

DEFAULT = "/"
MAX_LENGTH = 4096
_ASCII_PRINTABLE = "".join(chr(i) for i in range(0x21, 0x7F))


def safe_return_to(value: str | None) -> str:
    if not value or len(value) > MAX_LENGTH or not value.startswith("/"):
        return DEFAULT
    # Browsers treat "\" as "/" and drop tabs/newlines inside URLs (WHATWG URL §4.4),
    # so "/\evil" and "/\t/evil" are both "//evil" to them.
    if "\\" in value or value.startswith("//"):
        return DEFAULT
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") or ch.isspace() for ch in value):
        return DEFAULT
    # A Location header is ASCII: percent-encode the rest (RFC 3986 §2.1) rather than fail.
    return urllib.parse.quote(value, safe=_ASCII_PRINTABLE)
