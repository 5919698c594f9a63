"""The record's list of recent revocations: the feed's snapshot and its safety net.

A validator that (re)subscribes must learn every session revoked while it could not
listen, for as long as a token bound to one could still be presented: the revocation
window, at least the longest access-token lifetime. PostgreSQL is the record, so this
holds even when Redis has lost every key.
"""

from __future__ import annotations

from datetime import datetime

from .context import Deps
from .model import Revocation


def recent_revocations(deps: Deps, since: datetime | None = None) -> list[Revocation]:
    """Sessions revoked after `since` (never earlier than the window), oldest first."""
    now = deps.clock()
    floor = now - deps.policy.revocation_window
    with deps.uow() as repo:
        sessions = repo.revoked_since(max(since, floor) if since else floor)
    return [Revocation.of(s, s.revoked_at, deps.policy) for s in sessions if s.revoked_at is not None]
