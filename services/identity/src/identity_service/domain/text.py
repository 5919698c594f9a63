"""Text rules for identifiers: what may be stored, and the keys that make them unique.

Usernames and emails are stored as given but compared after NFKC + casefold (the
Unicode "identifier caseless match", Unicode §3.13 / UAX #15), so "Alice", "ALICE" and
"Ａｌｉｃｅ" are one account and cannot be registered twice to impersonate each other.
"""

from __future__ import annotations

import unicodedata

# Control, format (bidi overrides, zero-width), surrogate, private-use, unassigned,
# line and paragraph separators: none belong in a name someone must read and retype.
_IDENTIFIER_BANNED = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
# Display names may carry format characters (e.g. ZWJ in many scripts), not controls.
_DISPLAY_BANNED = {"Cc", "Cs", "Zl", "Zp"}


def username_key(username: str) -> str:
    return unicodedata.normalize("NFKC", username).casefold()


def email_key(email: str) -> str:
    return unicodedata.normalize("NFKC", email).casefold()


def encodable(value: str) -> bool:
    """False for lone surrogates (possible from JSON `\\ud800`), which UTF-8 cannot carry."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_identifier(value: str) -> bool:
    return encodable(value) and not any(
        unicodedata.category(ch) in _IDENTIFIER_BANNED for ch in value)


def is_display_text(value: str) -> bool:
    return encodable(value) and not any(
        unicodedata.category(ch) in _DISPLAY_BANNED for ch in value)
