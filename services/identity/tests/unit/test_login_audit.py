"""What the identity core writes to the audit trail: every login outcome with its reason,
lockouts, and the operator's changes to users — never the password or the username typed
for an unknown account."""

from __future__ import annotations

from authgate_common.core.kv import MemoryStore
from identity_fakes import PASSWORD, Core
from identity_service.domain.login import Login, WrongCredentials
from identity_service.domain.throttle import LoginThrottle, ThrottlePolicy
from identity_service.domain.verify_password import VerifyPassword

POLICY = ThrottlePolicy(
    max_failures_per_account=2,
    max_failures_per_address=100,
    window_seconds=900,
    lockout_seconds=60,
    max_lockout_seconds=600,
)


def _login(core: Core, username: str, password: str, ip: str = "203.0.113.5") -> None:
    try:
        core.login(username, password, ip, "agent")
    except WrongCredentials:
        pass


def test_each_login_outcome_is_recorded_with_its_reason(core: Core) -> None:
    alice = core.user("alice")
    disabled = core.user("dora")
    core.directory.disable(disabled.id)
    core.users.audit.events.clear()
    _login(core, "alice", "wrong-password")
    _login(core, "nobody-typed-this", PASSWORD)
    _login(core, "dora", PASSWORD)
    started = core.login("alice", PASSWORD, "203.0.113.5", "agent")
    events = core.users.audit.events
    assert [(e.type, e.subject, e.details.get("reason")) for e in events] == [
        ("login.failure", alice.id, "wrong_password"),
        ("login.failure", "", "unknown_user"),
        ("login.failure", disabled.id, "disabled"),
        ("login.success", alice.id, None),
    ]
    success = events[-1]
    assert success.sid == started.sid and success.details == {"amr": ["pwd"]}
    assert success.actor == alice.id and success.source == "203.0.113.5"
    assert all(e.source == "203.0.113.5" for e in events)
    text = repr(events)
    assert PASSWORD not in text and "wrong-password" not in text and "nobody-typed-this" not in text


def test_a_lockout_is_recorded_once_and_locked_attempts_name_the_account(core: Core) -> None:
    alice = core.user("alice")
    verify = VerifyPassword(core.users, core.hasher, LoginThrottle(MemoryStore(), POLICY))
    core.users.audit.events.clear()
    for _ in range(2):
        assert verify("alice", "wrong-password", "10.0.0.1") is None
    assert verify("alice", PASSWORD, "10.0.0.1") is None  # locked now
    verify.unlock(alice)
    assert [(e.type, e.subject, dict(e.details)) for e in core.users.audit.events] == [
        ("login.failure", alice.id, {"reason": "wrong_password"}),
        ("login.failure", alice.id, {"reason": "wrong_password"}),
        ("login.lockout", alice.id, {"scope": "account", "seconds": 60}),
        ("login.failure", alice.id, {"reason": "locked"}),
        ("user.unlocked", alice.id, {}),
    ]
    assert core.users.audit.events[-1].actor == "operator"


def test_operator_changes_to_users_are_recorded(core: Core) -> None:
    alice = core.user("alice")
    core.directory.disable(alice.id)
    core.directory.disable(alice.id)  # already disabled: nothing changes, nothing recorded
    assert [(e.type, e.subject, e.actor) for e in core.users.audit.events] == [
        ("user.created", alice.id, "operator"),
        ("user.disabled", alice.id, "operator"),
    ]
    assert core.users.audit.events[0].details == {"username": "alice"}


def test_a_login_whose_session_could_not_start_is_not_a_success(core: Core) -> None:
    from authgate_common.core.errors import TemporarilyUnavailable

    core.user("alice")
    core.sessions.failure = TemporarilyUnavailable()
    core.users.audit.events.clear()
    login = Login(core.verify, core.sessions)
    try:
        login("alice", PASSWORD, "203.0.113.5", "agent")
    except TemporarilyUnavailable:
        pass
    assert core.users.audit.types() == []
