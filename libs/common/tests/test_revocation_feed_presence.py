"""A revocation feed with nothing revoked is still a feed (it once read as absent)."""

from authgate_common.revocation_feed import RevokedSessions


def test_an_empty_feed_is_not_mistaken_for_no_feed() -> None:
    feed = RevokedSessions("127.0.0.1:1", tls=None)  # not started: no connection is made
    assert len(feed) == 0
    assert feed, "`if feed:` must not treat an empty revoked set as no feed at all"
    assert feed.healthy is False  # and, never synced, it refuses to vouch for anyone
