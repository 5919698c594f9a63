"""User codes (RFC 8628 §6.1): 8 characters from 20 consonants (no vowels, so no words;
no digits, so nothing to confuse), about 34 bits, shown as BCDF-GHJK. What the person
types is normalised (case, dashes and spaces ignored) before it is hashed and looked up."""

from __future__ import annotations

import secrets

ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
LENGTH = 8
_ALLOWED = frozenset(ALPHABET)
# Spaces and dashes a person may type between the groups; anything else makes it invalid.
_SEPARATORS = str.maketrans("", "", " -\t")
MAX_INPUT_LENGTH = 32


def new_user_code() -> str:
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{code[:4]}-{code[4:]}"


def normalise(typed: str) -> str | None:
    """The code as stored (8 upper-case letters of the alphabet), or None when it cannot be one."""
    if len(typed) > MAX_INPUT_LENGTH:
        return None
    code = typed.translate(_SEPARATORS).upper()
    if len(code) != LENGTH or not set(code) <= _ALLOWED:
        return None
    return code
