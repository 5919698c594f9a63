"""What every session use case is handed: storage ports, the clock, the policy, the token key."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from authgate_common.core.crypto import keyed_hash
from authgate_common.core.errors import LoginRequired, NotFound

from .model import Policy, Session
from .ports import Clock, Presence, PresenceUnavailable, RevocationPublisher, Seen, UnitOfWork

log = logging.getLogger(__name__)

# Cookie values are 43 characters; anything far longer is not ours and is not hashed.
MAX_TOKEN_LENGTH = 256
MAX_SID_LENGTH = 64


@dataclass(frozen=True)
class Deps:
    uow: UnitOfWork
    presence: Presence
    clock: Clock
    policy: Policy
    # derive_key(SECRET_KEY, "session/token"): the raw cookie value never reaches storage.
    token_key: bytes
    # The revocation feed of every replica (Redis pub/sub, or in-process).
    publisher: RevocationPublisher

    def hash_token(self, token: str) -> str:
        return keyed_hash(self.token_key, token)


def session_invalid() -> LoginRequired:
    return LoginRequired("session is not valid")


def session_not_found() -> NotFound:
    return NotFound("session not found")


def refresh_presence(deps: Deps, session: Session, seen: Seen) -> None:
    """Re-publish the fast-path keys. Best effort: a miss only costs a record read later."""
    try:
        deps.presence.put(session, seen, session.presence_ttl(deps.clock(), deps.policy))
    except PresenceUnavailable:
        log.warning("presence store unavailable; session %s served from the record", session.sid)
