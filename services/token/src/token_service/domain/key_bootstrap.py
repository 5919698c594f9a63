"""Load the signing keys at start, creating the first one when there is none.

Several replicas may start at once: the repository's lock serialises them (a
PostgreSQL advisory lock held to the end of the transaction), and each re-reads after
taking it, so they all end up with the one key the first of them created.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from .keys import KeyConflict, KeySet, KeyUnitOfWork, generate_signing_key

log = logging.getLogger(__name__)


def load_or_create_keys(uow: KeyUnitOfWork, now: Callable[[], datetime] = lambda: datetime.now(UTC),
                        attempts: int = 5) -> KeySet:
    for attempt in range(attempts):
        try:
            with uow() as repo:
                keys = repo.list_keys()
                if any(k.state == "current" for k in keys):
                    return KeySet(keys)
                repo.lock()
                keys = repo.list_keys()
                if not any(k.state == "current" for k in keys):
                    key = generate_signing_key(now())
                    repo.add(key)
                    log.info("created signing key kid=%s", key.kid)
                    keys.append(key)
                return KeySet(keys)
        except KeyConflict:
            log.info("signing key written concurrently, reading again (attempt %d)", attempt + 1)
    raise RuntimeError("could not load or create a signing key")
