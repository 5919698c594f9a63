"""Client secrets (RFC 6749 §2.3.1): 256-bit random values stored as keyed SHA-256.

A slow hash buys nothing for a 256-bit random secret and would make the token
endpoint, a hot path, pay for it on every call; a keyed hash still tells a reader
of the table nothing. Comparison is constant-time, and an unknown client is
compared against a dummy hash so timing does not reveal which client_ids exist.
"""

from __future__ import annotations

from authgate_common.core.crypto import constant_time_equal, keyed_hash, random_token
from authgate_common.core.errors import InvalidRequest

MIN_SECRET_LENGTH = 32
MAX_SECRET_LENGTH = 512


class SecretHasher:
    def __init__(self, key: bytes) -> None:
        self._key = key
        self._dummy = keyed_hash(key, random_token(32))

    def hash(self, secret: str) -> str:
        return keyed_hash(self._key, secret)

    def matches(self, secret: str, stored_hash: str | None) -> bool:
        """Always does one hash and one comparison, whether or not there is a stored hash."""
        presented = self.hash(secret)
        return constant_time_equal(presented, stored_hash or self._dummy) and bool(stored_hash)


def new_secret(supplied: str = "") -> str:
    """The supplied secret if it is long enough, else a fresh 256-bit one."""
    if not supplied:
        return random_token(32)
    if len(supplied) < MIN_SECRET_LENGTH or len(supplied) > MAX_SECRET_LENGTH:
        raise InvalidRequest(
            f"client_secret must be {MIN_SECRET_LENGTH}-{MAX_SECRET_LENGTH} characters long.")
    if not supplied.isprintable():
        raise InvalidRequest("client_secret must not contain control characters.")
    return supplied
