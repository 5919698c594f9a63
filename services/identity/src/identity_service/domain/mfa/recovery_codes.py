"""Recovery codes: ten single-use codes shown once, for when the authenticator is lost
(NIST SP 800-63B §5.1.2 look-up secrets: at least 64 bits from an approved generator,
stored as keyed hashes, each usable once).

A code is 16 characters of an unambiguous 31-letter alphabet (79 bits), shown as four groups of
four; what the user types is compared without dashes, spaces or case. The hash is keyed
by a key derived from the service's SECRET_KEY for this purpose and bound to the user.
"""

from __future__ import annotations

import re
import secrets

from authgate_common.core.crypto import keyed_hash

COUNT = 10
LENGTH = 16
GROUP = 4
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
_TYPED = re.compile(r"[\s-]")


def new_codes(count: int = COUNT) -> list[str]:
    return [_grouped("".join(secrets.choice(ALPHABET) for _ in range(LENGTH))) for _ in range(count)]


def _grouped(raw: str) -> str:
    return "-".join(raw[i:i + GROUP] for i in range(0, len(raw), GROUP))


def normalize(code: str) -> str | None:
    """The code as stored (lower case, no separators), or None when it cannot be one."""
    raw = _TYPED.sub("", code or "").lower()
    if len(raw) != LENGTH or any(c not in ALPHABET for c in raw):
        return None
    return raw


class RecoveryCodeHasher:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def hash(self, user_id: str, code: str) -> str | None:
        raw = normalize(code)
        return keyed_hash(self._key, f"{user_id}:{raw}") if raw is not None else None
