"""Password hashing (bcrypt through passlib) and the rules a new password must meet.

bcrypt reads at most 72 bytes of its input and cannot take NUL: rather than silently
truncate (two passwords sharing a 72-byte prefix would both work), a longer password is
refused at creation and simply never matches at login (NIST SP 800-63B §5.1.1.2 asks
for no silent truncation).
"""

from __future__ import annotations

import secrets

from authgate_common.core.errors import InvalidRequest
from passlib.context import CryptContext

from .text import encodable, username_key

BCRYPT_MAX_BYTES = 72
# Verified in place of an unusable password so a refusal costs the same as a mismatch.
_PLACEHOLDER = "authgate-unusable-password"


def usable(password: str) -> bool:
    return (encodable(password) and "\x00" not in password
            and len(password.encode("utf-8")) <= BCRYPT_MAX_BYTES)


class PasswordHasher:
    def __init__(self, rounds: int = 12) -> None:
        self.rounds = rounds
        self._context = CryptContext(schemes=["bcrypt"], bcrypt__rounds=rounds)
        # Same cost as a real hash, computed once: an unknown user's login spends as long
        # as a wrong password, so timing does not reveal which usernames exist.
        self.dummy_hash = self._context.hash(secrets.token_urlsafe(32))

    def hash(self, password: str) -> str:
        return self._context.hash(password)

    def verify(self, password: str, password_hash: str) -> bool:
        """Always spends exactly one bcrypt verification, whatever the input."""
        ok_input = usable(password)
        try:
            matched = self._context.verify(password if ok_input else _PLACEHOLDER, password_hash)
        except ValueError:  # a malformed stored hash: never a match, never a crash
            return False
        return bool(matched) and ok_input

    def needs_update(self, password_hash: str) -> bool:
        return bool(self._context.needs_update(password_hash))


def check_new_password(password: str, username: str, min_length: int) -> None:
    """Raise InvalidRequest naming the first rule the password breaks."""
    if not encodable(password):
        raise InvalidRequest("password is not valid Unicode")
    if "\x00" in password:
        raise InvalidRequest("password must not contain NUL characters")
    if len(password.encode("utf-8")) > BCRYPT_MAX_BYTES:
        raise InvalidRequest("password longer than 72 bytes")
    if len(password) < min_length:
        raise InvalidRequest(f"password shorter than {min_length} characters")
    if username_key(password) == username_key(username):
        raise InvalidRequest("password must not equal the username")
