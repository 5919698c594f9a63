"""Revocations reach every open feed stream once, are announced only after the record
holds them, and carry how long validators must remember them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from authgate_common.core.errors import TemporarilyUnavailable
from session_service.domain.create import create_session
from session_service.domain.feed import RevocationHub
from session_service.domain.model import Revocation
from session_service.domain.revocations import recent_revocation_pages, recent_revocations
from session_service.domain.revoke import revoke_session, revoke_user_sessions


def _rev(world, sid: str, forget_in: int = 3600) -> Revocation:
    now = world.clock.now
    return Revocation(sid, "u1", now, now + timedelta(seconds=forget_in))


def test_each_stream_gets_each_revocation_once(world) -> None:
    hub = RevocationHub(world.clock)
    with hub.subscribe() as one, hub.subscribe() as two:
        assert hub.deliver([_rev(world, "a"), _rev(world, "b")]) == 2
        assert hub.deliver([_rev(world, "a")]) == 0  # pub/sub and the record poll both bring it
        assert [r.sid for r in one.take(0.01)] == ["a", "b"]
        assert [r.sid for r in two.take(0.01)] == ["a", "b"]
        assert one.take(0.01) == []
    assert hub.subscribers == 0


def test_already_forgettable_revocations_are_not_sent(world) -> None:
    hub = RevocationHub(world.clock)
    with hub.subscribe() as inbox:
        assert hub.deliver([_rev(world, "old", forget_in=-1)]) == 0
        assert inbox.take(0.01) == []


def test_closing_the_hub_ends_every_stream(world) -> None:
    hub = RevocationHub(world.clock)
    with hub.subscribe() as inbox:
        hub.close()
        assert inbox.take(5) == [] and inbox.closed
    with hub.subscribe() as late:
        assert late.closed


def test_revoke_announces_after_the_record_with_the_window(world) -> None:
    session, _ = create_session(world.deps, "u1", "", "", [])
    revoke_session(world.deps, session.sid)
    assert world.uow.calls[-1][0] == "mark_revoked"  # nothing read or written after announcing
    (rev,) = world.published
    assert (rev.sid, rev.user_id, rev.revoked_at) == (session.sid, "u1", world.clock.now)
    assert rev.forget_at - rev.revoked_at == timedelta(hours=1)


def test_a_retry_after_a_presence_failure_announces_again(world) -> None:
    session, _ = create_session(world.deps, "u1", "", "", [])
    world.kv.down = True
    with pytest.raises(TemporarilyUnavailable):
        revoke_session(world.deps, session.sid)
    assert [r.sid for r in world.published] == [session.sid]  # the record holds it: announce
    world.kv.down = False
    world.clock.advance(3)
    revoke_session(world.deps, session.sid)
    assert world.published[-1].revoked_at == world.row(session.sid).revoked_at


def test_revoke_user_sessions_announces_every_one(world) -> None:
    sids = {create_session(world.deps, "u1", "", "", [])[0].sid for _ in range(3)}
    revoke_user_sessions(world.deps, "u1")
    assert {r.sid for r in world.published} == sids


def test_recent_revocations_cover_the_window_only(world) -> None:
    old, _ = create_session(world.deps, "u1", "", "", [])
    revoke_session(world.deps, old.sid)
    world.clock.advance(3601)
    new, _ = create_session(world.deps, "u1", "", "", [])
    revoke_session(world.deps, new.sid)
    assert [r.sid for r in recent_revocations(world.deps)] == [new.sid]
    assert recent_revocations(world.deps, since=world.clock.now) == []


def test_snapshot_pages_hold_the_whole_window_once_in_order(world) -> None:
    old, _ = create_session(world.deps, "u1", "", "", [])
    revoke_session(world.deps, old.sid)
    world.clock.advance(3601)
    sids = {create_session(world.deps, "u1", "", "", [])[0].sid for _ in range(5)}
    revoke_user_sessions(world.deps, "u1")  # five revocations at the same instant
    world.clock.advance(1)
    last, _ = create_session(world.deps, "u2", "", "", [])
    revoke_session(world.deps, last.sid)
    pages = list(recent_revocation_pages(world.deps, page_size=2))
    assert [len(p) for p in pages] == [2, 2, 2]
    flat = [r.sid for p in pages for r in p]
    assert flat == [r.sid for r in recent_revocations(world.deps)]
    assert set(flat) == sids | {last.sid} and len(flat) == len(set(flat))
