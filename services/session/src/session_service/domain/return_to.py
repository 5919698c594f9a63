"""Where a logout form may send the browser next: same-origin paths only.

The same rule as the login form's (identity service): an open redirector lets a
phishing link borrow this site's name (RFC 9700 §4.11, RFC 6749 §10.15). Only an
absolute path is accepted; whatever a browser could read as another origin is "/".
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
    # Browsers read "\" as "/" and drop tabs/newlines in URLs (WHATWG URL §4.4).
    if "\\" in value or value.startswith("//"):
        return DEFAULT
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") or ch.isspace() for ch in value):
        return DEFAULT
    return urllib.parse.quote(value, safe=_ASCII_PRINTABLE)
