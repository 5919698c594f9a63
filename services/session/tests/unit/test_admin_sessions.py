"""The admin API's sessions on the fakes: a user's live sessions, ending one or all through
the same revocation as the operator's (the feed hears of it), audited with the acting client."""

from __future__ import annotations

import uuid

import pytest
from authgate_common.core.admin_api import by_admin_client
from authgate_common.core.errors import InvalidRequest, NotFound
from session_service.domain.admin.sessions import SessionAdmin
from session_service.domain.create import create_session

BOT = by_admin_client("ops-bot")


@pytest.fixture
def admin(world) -> SessionAdmin:
    return SessionAdmin(world.deps)


@pytest.fixture
def alice() -> str:
    return str(uuid.uuid4())


def test_lists_only_the_users_live_sessions_newest_first(world, admin, alice) -> None:
    laptop, _ = create_session(world.deps, alice, "203.0.113.5", "laptop", ["pwd"])
    world.clock.advance(5)
    phone, _ = create_session(world.deps, alice, "", "phone", ["pwd"])
    ended, _ = create_session(world.deps, alice, "", "old", ["pwd"])
    create_session(world.deps, str(uuid.uuid4()), "", "someone else's", ["pwd"])
    admin.revoke(ended.sid, BOT)
    assert [s.sid for s in admin.of_user(alice.upper())] == [phone.sid, laptop.sid]


@pytest.mark.parametrize("user_id", [None, "", "alice", "1" * 64])
def test_the_user_id_is_required_and_must_be_a_uuid(admin, user_id) -> None:
    with pytest.raises(InvalidRequest):
        admin.of_user(user_id)
    with pytest.raises(InvalidRequest):
        admin.revoke_all(user_id, BOT)


def test_an_ended_or_unknown_session_is_not_found(world, admin, alice) -> None:
    session, _ = create_session(world.deps, alice, "", "", [])
    assert admin.get(session.sid).user_id == alice
    admin.revoke(session.sid, BOT)
    for sid in (session.sid, "unknown", "x" * 500):
        with pytest.raises(NotFound):
            admin.get(sid)
    with pytest.raises(NotFound):
        admin.revoke("unknown", BOT)


def test_ending_one_session_tells_the_feed_and_audits_the_acting_client(world, admin, alice) -> None:
    session, cookie = create_session(world.deps, alice, "", "", [])
    other, _ = create_session(world.deps, alice, "", "", [])
    admin.revoke(session.sid, BOT)
    admin.revoke(session.sid, BOT)  # again: still ended (republished), no second record
    world.assert_ended(session.sid, cookie)
    assert admin.get(other.sid).sid == other.sid
    assert {r.sid for r in world.published} == {session.sid}
    [event] = [e for e in world.uow.audit.events if e.type.endswith("session.revoked")]
    assert (event.type, event.actor, event.client_id, event.subject, event.sid) == (
        "admin.session.revoked", "client:ops-bot", "ops-bot", alice, session.sid)
    assert dict(event.details) == {"reason": "revoked_by_admin", "scope": "one"}


def test_ending_all_of_a_users_sessions(world, admin, alice) -> None:
    made = [create_session(world.deps, alice, "", "", []) for _ in range(3)]
    bob, _ = create_session(world.deps, str(uuid.uuid4()), "", "", [])
    ended = admin.revoke_all(alice, BOT)
    assert sorted(ended) == sorted(s.sid for s, _ in made)
    for session, cookie in made:
        world.assert_ended(session.sid, cookie)
    assert admin.get(bob.sid)
    assert sorted(r.sid for r in world.published) == sorted(ended)
    revoked = [e for e in world.uow.audit.events if e.type == "admin.session.revoked"]
    assert sorted(e.sid for e in revoked) == sorted(ended)
    assert {(e.actor, e.details["scope"]) for e in revoked} == {("client:ops-bot", "all")}
    assert admin.revoke_all(alice, BOT) == []  # nothing left: nothing ended, nothing recorded
