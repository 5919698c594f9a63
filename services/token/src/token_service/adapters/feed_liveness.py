"""Session liveness for access-token validation from the pushed revocation feed.

Every token-service replica keeps the set of revoked sessions in memory, fed by
SessionService.WatchRevocations (authgate_common.revocation_feed): checking a token
is a dict lookup, with no database read and no network call (issue 4 §5). While the
feed is lost the check raises TemporarilyUnavailable, so validation fails closed.

Refresh and refresh-token introspection keep asking the session service
(GrpcSessionLiveness): they write to the database anyway and also need to see a
session that merely expired.
"""

from __future__ import annotations

from authgate_common.revocation_feed import RevokedSessions


class FeedSessionLiveness:
    def __init__(self, feed: RevokedSessions) -> None:
        self._feed = feed

    def is_alive(self, sid: str) -> bool:
        self._feed.check(sid)  # TemporarilyUnavailable when the feed cannot vouch
        return True
