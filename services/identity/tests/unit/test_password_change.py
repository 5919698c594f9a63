"""Password change by a signed-in user: the current password required (counted like a
login), the new one under the creation rules, other sessions ended on request while this
one stays (domain/account/change_password.py)."""

from __future__ import annotations

import pytest
from account_fakes import Account, make_account
from authgate_common.core.errors import InvalidRequest
from identity_fakes import PASSWORD
from identity_service.domain.account.change_password import PasswordChange, WrongCurrentPassword
from identity_service.domain.account.tokens import InvalidLink

NEW = "a brand new passphrase"


@pytest.fixture
def account() -> Account:
    return make_account()


def change(account: Account, user_id: str, current: str = PASSWORD, new: str = NEW, others: bool = False):
    return account.change_password(PasswordChange(user_id, "sid-1", current, new, others), "192.0.2.1")


def test_the_new_password_works_and_the_old_fails(account: Account) -> None:
    user = account.core.user("alice")
    done = change(account, user.id)
    assert account.core.verify("alice", NEW) is not None
    assert account.core.verify("alice", PASSWORD) is None
    assert done.user.version == user.version + 1
    assert account.sessions.revoked == []  # not asked
    [event] = [e for e in account.core.users.audit.events if e.type == "password.changed"]
    assert (event.subject, event.sid, event.details) == (user.id, "sid-1", {"sign_out_others": False})


def test_signing_out_the_other_devices_keeps_this_session(account: Account) -> None:
    user = account.core.user("alice")
    done = change(account, user.id, others=True)
    assert done.others_ended
    assert account.sessions.revoked == [(user.id, "sid-1")]


def test_a_session_service_outage_is_reported_not_raised(account: Account) -> None:
    user = account.core.user("alice")
    account.sessions.down = True
    assert not change(account, user.id, others=True).others_ended
    assert account.core.verify("alice", NEW) is not None


def test_a_wrong_current_password_is_refused_and_counted_like_a_login(account: Account) -> None:
    user = account.core.user("alice")
    with pytest.raises(WrongCurrentPassword):
        change(account, user.id, current="not my password")
    assert account.counters.get("fail:acct:alice") == "1"
    assert "login.failure" in account.audit_types()
    assert account.core.verify("alice", PASSWORD) is not None


def test_the_new_password_meets_the_creation_rules(account: Account) -> None:
    user = account.core.user("alice")
    for weak in ("short", "alice"):
        with pytest.raises(InvalidRequest):
            change(account, user.id, new=weak)
    assert account.core.verify("alice", PASSWORD) is not None


def test_outstanding_reset_links_die_with_the_old_password(account: Account) -> None:
    user = account.core.user("alice")
    account.request_reset.deliver("alice@example.com", "192.0.2.1", "en")
    change(account, user.id)
    with pytest.raises(InvalidLink):
        account.reset_password.check(account.postbox.token())
