"""The admin API's core on fakes: who may call it, paging by cursor, If-Match, every
change audited with the acting client, delete ending the user's sessions first."""

from __future__ import annotations

import pytest
from authgate_common.core.admin_api import IfMatch, PreconditionFailed, admin_caller, decode_cursor
from authgate_common.core.admin_scope import USERS_SCOPE
from authgate_common.core.errors import (
    AlreadyExists,
    InsufficientScope,
    InvalidRequest,
    InvalidToken,
    NotFound,
    TemporarilyUnavailable,
)
from identity_fakes import PASSWORD, Core, FakeTokens
from identity_service.domain.acting import by_admin_client
from identity_service.domain.admin.users import ProfileChanges
from identity_service.domain.create_user import NewUser

ADMIN_API = "http://id.test/api/v1/admin"
BY = by_admin_client("ops-bot")
ANY = IfMatch(any=True)


def _caller(tokens: FakeTokens, token: str | None):
    return admin_caller(tokens, token, audience=ADMIN_API, scope=USERS_SCOPE)


def test_only_a_token_with_the_scope_for_the_admin_api_gets_in() -> None:
    tokens = FakeTokens()
    good = tokens.add("good", "ops-bot", "admin:users", ADMIN_API)
    other_api = tokens.add("other-api", "ops-bot", "admin:users", "http://id.test/api/v1/account")
    no_scope = tokens.add("no-scope", "ops-bot", "admin:clients", ADMIN_API)
    with pytest.raises(InvalidToken) as missing:
        _caller(tokens, None)
    assert missing.value.metadata.get("no_token")  # RFC 6750 §3.1: the bare challenge
    with pytest.raises(InvalidToken) as unknown:
        _caller(tokens, "forged")
    assert not unknown.value.metadata.get("no_token")
    for token in (other_api, no_scope):
        with pytest.raises(InsufficientScope) as refused:
            _caller(tokens, token)
        assert refused.value.metadata["scope"] == "admin:users"
    who = _caller(tokens, good)
    assert who.client_id == "ops-bot" and who.acting.actor == "client:ops-bot"


def test_a_created_user_is_audited_with_the_acting_client(core: Core) -> None:
    user = core.admin.create(NewUser("alice", "alice@example.com", PASSWORD, name="Alice"), BY)
    assert user.version == 1 and core.admin.get(user.id) == user
    [event] = core.users.audit.events
    assert (event.type, event.subject, event.actor, event.client_id) == (
        "admin.user.created", user.id, "client:ops-bot", "ops-bot")
    with pytest.raises(AlreadyExists):
        core.admin.create(NewUser("ALICE", "other@example.com", PASSWORD), BY)


def test_pages_cover_every_user_once_in_creation_order(core: Core) -> None:
    made = [core.user(f"user{i}").id for i in range(5)]
    seen, cursor, pages = [], None, 0
    while True:
        page = core.admin.list(limit=2, cursor=cursor)
        seen += [u.id for u in page.users]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == made and pages == 3
    assert core.admin.list(limit=5).next_cursor is None


def test_filters_match_caselessly_and_by_state(core: Core) -> None:
    alice, bob = core.user("Alice"), core.user("bob")
    core.directory.disable(bob.id)
    assert [u.id for u in core.admin.list(limit=50, username="ALICE").users] == [alice.id]
    assert [u.id for u in core.admin.list(limit=50, email="BOB@example.com").users] == [bob.id]
    assert [u.id for u in core.admin.list(limit=50, disabled=True).users] == [bob.id]
    assert core.admin.list(limit=50, username="nobody\x00").users == []


@pytest.mark.parametrize("cursor", ["x", "!!!!", "A" * 200, "MTIzLm5vdC1hbi1pZA", "LTEuYWJj"])
def test_a_cursor_we_did_not_make_is_a_400(core: Core, cursor: str) -> None:
    with pytest.raises(InvalidRequest):
        core.admin.list(limit=10, cursor=cursor)


def test_limit_is_bounded(core: Core) -> None:
    for limit in (0, 201):
        with pytest.raises(InvalidRequest):
            core.admin.list(limit=limit)


def test_cursor_round_trips_to_the_microsecond(core: Core) -> None:
    core.user("a"), core.user("b")
    page = core.admin.list(limit=1)
    assert page.next_cursor is not None
    position = decode_cursor(page.next_cursor)
    assert (position.created_at, position.id) == (page.users[0].created_at, page.users[0].id)


def test_update_needs_the_current_version(core: Core) -> None:
    user = core.user("alice")
    with pytest.raises(PreconditionFailed):
        core.admin.update(user.id, ProfileChanges(name="A"), IfMatch(versions=frozenset({7})), BY)
    first = IfMatch(versions=frozenset({1}))
    changed = core.admin.update(user.id, ProfileChanges(name="Alice A."), first, BY)
    assert (changed.name, changed.version) == ("Alice A.", 2) and changed.updated_at >= user.updated_at
    with pytest.raises(PreconditionFailed):  # the version the client read is stale now
        core.admin.update(user.id, ProfileChanges(name="B"), IfMatch(versions=frozenset({1})), BY)
    event = core.users.audit.events[-1]
    assert (event.type, event.actor, dict(event.details)) == (
        "admin.user.updated", "client:ops-bot", {"fields": ["name"]})


def test_nothing_changed_keeps_the_version_and_records_nothing(core: Core) -> None:
    user = core.user("alice")
    before = len(core.users.audit.events)
    same = core.admin.update(user.id, ProfileChanges(email=user.email), ANY, BY)
    assert same.version == 1 and len(core.users.audit.events) == before


def test_a_new_email_is_unverified_unique_and_valid(core: Core) -> None:
    alice = core.user("alice", email_verified=True)
    core.user("bob")
    moved = core.admin.update(alice.id, ProfileChanges(email="alice@new.example"), ANY, BY)
    assert (moved.email, moved.email_verified) == ("alice@new.example", False)
    with pytest.raises(AlreadyExists):
        core.admin.update(alice.id, ProfileChanges(email="BOB@example.com"), ANY, BY)
    for bad in (ProfileChanges(email="not-an-address"), ProfileChanges(name="a\x00b")):
        with pytest.raises(InvalidRequest):
            core.admin.update(alice.id, bad, ANY, BY)


def test_disable_ends_sessions_and_enable_restores(core: Core) -> None:
    user = core.user("alice")
    disabled = core.admin.disable(user.id, None, BY)
    assert disabled.disabled and disabled.version == 2 and core.sessions.revoked == [user.id]
    with pytest.raises(PreconditionFailed):
        core.admin.enable(user.id, IfMatch(versions=frozenset({1})), BY)
    enabled = core.admin.enable(user.id, IfMatch(versions=frozenset({2})), BY)
    assert not enabled.disabled and enabled.version == 3
    assert core.users.audit.types()[-2:] == ["admin.user.disabled", "admin.user.enabled"]


def test_set_password_and_unlock_are_audited_without_the_password(core: Core) -> None:
    user = core.user("alice")
    changed = core.admin.set_password(user.id, "a brand new secret", None, BY)
    assert changed.version == 2 and changed.updated_at == user.updated_at
    assert core.verify("alice", "a brand new secret") is not None and core.verify("alice", PASSWORD) is None
    with pytest.raises(InvalidRequest):
        core.admin.set_password(user.id, "alice", None, BY)
    core.admin.unlock(user.id, None, BY)
    admin_events = [e for e in core.users.audit.events if e.type.startswith("admin.")]
    assert [e.type for e in admin_events] == ["admin.user.password_set", "admin.user.unlocked"]
    assert "a brand new secret" not in str(core.users.audit.events)


def test_delete_ends_sessions_then_removes_the_user(core: Core) -> None:
    user = core.user("alice")
    core.admin.delete(user.id, None, BY)
    assert core.sessions.revoked == [user.id]
    with pytest.raises(NotFound):
        core.admin.get(user.id)
    event = core.users.audit.events[-1]
    assert (event.type, event.subject, event.actor, event.details["username"]) == (
        "admin.user.deleted", user.id, "client:ops-bot", "alice")
    with pytest.raises(NotFound):
        core.admin.delete(user.id, None, BY)


def test_a_delete_whose_sessions_cannot_end_leaves_the_user_disabled(core: Core) -> None:
    user = core.user("alice")
    core.sessions.failure = TemporarilyUnavailable()
    with pytest.raises(TemporarilyUnavailable):
        core.admin.delete(user.id, None, BY)
    assert core.admin.get(user.id).disabled
    assert core.verify("alice", PASSWORD) is None  # no new session can start meanwhile
    core.sessions.failure = None
    core.admin.delete(user.id, None, BY)
    with pytest.raises(NotFound):
        core.admin.get(user.id)


def test_unknown_ids_are_404(core: Core) -> None:
    for user_id in ("nope", "00000000-0000-0000-0000-000000000000"):
        with pytest.raises(NotFound):
            core.admin.get(user_id)
        with pytest.raises(NotFound):
            core.admin.delete(user_id, None, BY)
        with pytest.raises(NotFound):
            core.admin.update(user_id, ProfileChanges(name="x"), ANY, BY)
