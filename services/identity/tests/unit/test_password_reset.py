"""Password reset by an emailed link: the same answer for every address, a single-use,
short-lived link stored as a keyed hash, the old password failing afterwards and every
session ended (domain/account/password_reset.py)."""

from __future__ import annotations

import pytest
from account_fakes import Account, make_account
from authgate_common.core.errors import InvalidRequest
from identity_fakes import PASSWORD
from identity_service.domain.account.courier import MailUnavailable
from identity_service.domain.account.ports import PASSWORD_RESET
from identity_service.domain.account.tokens import InvalidLink
from identity_service.domain.users import User

NEW = "a brand new passphrase"


@pytest.fixture
def account() -> Account:
    return make_account()


def ask(account: Account, email: str, ip: str = "192.0.2.1") -> bool:
    accepted = account.request_reset.accept(email, ip)
    if accepted:
        account.request_reset.deliver(email, ip, "en")
    return accepted


def password_works(account: Account, user: User, password: str) -> bool:
    return account.core.verify(user.username, password) is not None


def test_a_registered_address_gets_one_link_and_the_table_holds_only_its_keyed_hash(account: Account) -> None:
    user = account.core.user("alice")
    assert ask(account, "alice@example.com")
    [letter] = account.postbox.letters
    assert (letter.kind, letter.to, letter.username, letter.valid_minutes) == (
        "password_reset", "alice@example.com", "alice", 30)
    token = account.postbox.token()
    [stored] = account.accounts.tokens.rows.values()
    assert stored.purpose == PASSWORD_RESET and stored.user_id == user.id
    assert token not in stored.token_hash and len(stored.token_hash) == 64
    assert "password.reset_requested" in account.audit_types()


def test_the_answer_is_the_same_and_no_lookup_is_made_while_the_person_waits(account: Account) -> None:
    account.core.user("alice")
    opened = account.accounts.opened
    known = account.request_reset.accept("alice@example.com", "192.0.2.1")
    unknown = account.request_reset.accept("nobody@example.com", "192.0.2.1")
    assert known is unknown is True
    assert account.accounts.opened == opened  # the lookup happens in deliver, after the answer


def test_an_unknown_or_disabled_address_gets_no_mail(account: Account) -> None:
    user = account.core.user("bob")
    account.core.directory.disable(user.id)
    ask(account, "nobody@example.com")
    ask(account, "bob@example.com")
    assert account.postbox.letters == []
    assert account.accounts.tokens.rows == {}


def test_what_is_no_address_is_refused_before_anything_else(account: Account) -> None:
    for bad in ("", "no-at-sign", "a@b", "two words@example.com"):
        with pytest.raises(InvalidRequest):
            account.request_reset.accept(bad, "192.0.2.1")


def test_without_a_mail_server_the_request_is_refused_as_off(account: Account) -> None:
    account.postbox.ready = False
    with pytest.raises(MailUnavailable):  # the flow is off: 404, not an outage
        account.request_reset.accept("alice@example.com", "192.0.2.1")


def test_the_link_sets_the_new_password_the_old_fails_and_every_session_ends(account: Account) -> None:
    user = account.core.user("alice")
    ask(account, "alice@example.com")
    done = account.reset_password(account.postbox.token(), NEW, "192.0.2.9")
    assert done.sessions_ended and done.user.version == user.version + 1
    assert not password_works(account, user, PASSWORD)
    assert password_works(account, user, NEW)
    assert account.sessions.revoked == [(user.id, "")]
    assert "password.reset" in account.audit_types()


def test_a_link_works_once(account: Account) -> None:
    account.core.user("alice")
    ask(account, "alice@example.com")
    token = account.postbox.token()
    account.reset_password(token, NEW, "192.0.2.9")
    with pytest.raises(InvalidLink):
        account.reset_password.check(token)
    with pytest.raises(InvalidLink):
        account.reset_password(token, "yet another passphrase", "192.0.2.9")


def test_an_expired_link_is_refused(account: Account) -> None:
    user = account.core.user("alice")
    ask(account, "alice@example.com")
    account.clock.advance(30 * 60)
    with pytest.raises(InvalidLink):
        account.reset_password(account.postbox.token(), NEW, "192.0.2.9")
    assert password_works(account, user, PASSWORD)


def test_a_newer_link_retires_the_older_one(account: Account) -> None:
    account.core.user("alice")
    ask(account, "alice@example.com")
    ask(account, "alice@example.com")
    first, second = account.postbox.token(0), account.postbox.token(1)
    with pytest.raises(InvalidLink):
        account.reset_password.check(first)
    account.reset_password.check(second)


def test_a_password_breaking_the_rules_keeps_the_link_usable(account: Account) -> None:
    account.core.user("alice")
    ask(account, "alice@example.com")
    token = account.postbox.token()
    for weak in ("short", "alice", "x" * 73):
        with pytest.raises(InvalidRequest) as caught:
            account.reset_password(token, weak, "192.0.2.9")
        assert not isinstance(caught.value, InvalidLink)
    account.reset_password(token, NEW, "192.0.2.9")


def test_garbage_and_foreign_tokens_are_invalid_links(account: Account) -> None:
    user = account.core.user("alice")
    account.send_verification.deliver(user.id, "192.0.2.1", "en")
    verification_token = account.postbox.token()
    for token in ("", "x" * 500, "ünïcode", "not-a-token", verification_token):
        with pytest.raises(InvalidLink):
            account.reset_password.check(token)


def test_a_reset_lifts_the_lockout_a_forgotten_password_ran_into(account: Account) -> None:
    account.core.user("alice")
    verify = account.change_password._verify  # the throttled password check
    for _ in range(6):
        verify("alice", "wrong guess", "192.0.2.1")
    assert verify("alice", PASSWORD, "192.0.2.1") is None  # locked
    ask(account, "alice@example.com")
    account.reset_password(account.postbox.token(), NEW, "192.0.2.9")
    assert verify("alice", NEW, "192.0.2.1") is not None


def test_when_sessions_cannot_be_ended_the_password_is_changed_and_it_says_so(account: Account) -> None:
    user = account.core.user("alice")
    ask(account, "alice@example.com")
    account.sessions.down = True
    done = account.reset_password(account.postbox.token(), NEW, "192.0.2.9")
    assert not done.sessions_ended
    assert password_works(account, user, NEW)


def test_a_mail_server_failure_is_logged_not_raised(account: Account,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    user = account.core.user("alice")
    account.postbox.fail = True
    ask(account, "alice@example.com")
    assert f"password_reset mail for user {user.id} not sent: OSError" in caplog.text
    assert "alice@example.com" not in caplog.text


def test_the_person_is_told_when_their_password_changed(account: Account) -> None:
    user = account.core.user("alice")
    account.notice.deliver(user, "de")
    [letter] = account.postbox.letters
    assert (letter.kind, letter.to, letter.locale) == ("password_changed", "alice@example.com", "de")
