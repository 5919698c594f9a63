"""The record's list of recent revocations: the feed's snapshot and its safety net.

A validator that (re)subscribes must learn every session revoked while it could not
listen, for as long as a token bound to one could still be presented: the revocation
window, at least the longest access-token lifetime. PostgreSQL is the record, so this
holds even when Redis has lost every key.
"""

from __future__ import annotations

from collections.abc import Iterator
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


def recent_revocation_pages(deps: Deps, page_size: int) -> Iterator[list[Revocation]]:
    """The same list as `recent_revocations()`, read and handed over a page at a time.

    A mass logout can leave 100,000 revocations in the window: read at once, they take
    longer than a subscriber waits for its first message under load, and it would
    reconnect for ever. Each page is its own short read (keyset on (revoked_at, sid)), so
    the first one goes out at once and no transaction stays open while the stream sends.
    """
    floor = deps.clock() - deps.policy.revocation_window
    after: tuple[datetime, str] | None = None
    while True:
        with deps.uow() as repo:
            page = repo.revoked_since(floor, limit=page_size, after=after)
        revoked = [(s, s.revoked_at) for s in page if s.revoked_at is not None]
        if revoked:
            yield [Revocation.of(s, at, deps.policy) for s, at in revoked]
        if len(page) < page_size or not revoked:
            return
        after = (revoked[-1][1], revoked[-1][0].sid)
