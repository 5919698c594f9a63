"""WebAuthn challenges (§13.4.3): random, single use, five minutes, kept server side.

Each challenge is stored under the keyed hash of its value with the ceremony it was made
for (registration, passwordless, second factor) and the keyed hash of what it is bound
to: the session (registration, step-up), the pending sign-in (second factor) or the
login page's CSRF cookie (passwordless). The browser returns the challenge inside the
signed clientDataJSON, which is how it is found again; a challenge presented for another
ceremony or from another binding is refused, and an atomic counter lets exactly one use
through, even when two replicas race.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from dataclasses import dataclass
from typing import Any

from authgate_common.core.crypto import constant_time_equal, keyed_hash

from .errors import CeremonyExpired
from .ports import ChallengeStore

TTL_SECONDS = 300
CHALLENGE_BYTES = 32
REGISTRATION, PASSWORDLESS, SECOND_FACTOR = "registration", "passwordless", "second_factor"


@dataclass(frozen=True)
class Issued:
    challenge: bytes
    user_id: str


def b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def challenge_of(credential: Any) -> bytes:
    """The challenge inside a credential's clientDataJSON (verified later by the library)."""
    try:
        client_data = json.loads(b64url_decode(credential["response"]["clientDataJSON"]))
        return b64url_decode(client_data["challenge"])
    except (KeyError, TypeError, ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise CeremonyExpired(detail=f"no readable challenge: {type(exc).__name__}") from exc


class Challenges:
    def __init__(self, store: ChallengeStore, key: bytes, ttl_seconds: int = TTL_SECONDS) -> None:
        self._kv = store
        self._key = key
        self.ttl_seconds = ttl_seconds

    def _slot(self, challenge: bytes) -> str:
        return "webauthn:" + keyed_hash(self._key, base64.urlsafe_b64encode(challenge).decode())

    def issue(self, ceremony: str, binding: str, user_id: str = "") -> bytes:
        challenge = secrets.token_bytes(CHALLENGE_BYTES)
        record = {"ceremony": ceremony, "binding": keyed_hash(self._key, binding), "user_id": user_id}
        self._kv.set(self._slot(challenge), json.dumps(record), self.ttl_seconds)
        return challenge

    def take(self, challenge: bytes, ceremony: str, binding: str) -> Issued:
        """The challenge's record, used up; CeremonyExpired when it is unknown, used,
        made for another ceremony or bound to something else."""
        slot = self._slot(challenge)
        if self._kv.incr(slot + ":used", self.ttl_seconds) != 1:
            raise CeremonyExpired(detail="challenge already used")
        raw = self._kv.get(slot)
        self._kv.delete(slot)
        record = json.loads(raw) if raw else None
        if not isinstance(record, dict) or record.get("ceremony") != ceremony:
            raise CeremonyExpired(detail="no challenge for this ceremony")
        if not constant_time_equal(str(record.get("binding", "")), keyed_hash(self._key, binding)):
            raise CeremonyExpired(detail="challenge bound to another browser or session")
        return Issued(challenge, str(record.get("user_id", "")))
