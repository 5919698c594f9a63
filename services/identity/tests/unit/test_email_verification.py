"""Email verification: a single-use link bound to the user and to the address it was sent
to, 24 hours by default (domain/account/email_verification.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from account_fakes import Account, make_account
from authgate_common.core.errors import TooManyRequests
from identity_service.domain.account.courier import MailUnavailable
from identity_service.domain.account.mail_limit import MailLimitPolicy
from identity_service.domain.account.ports import VERIFY_EMAIL
from identity_service.domain.account.tokens import InvalidLink


@pytest.fixture
def account() -> Account:
    return make_account()


def test_the_link_confirms_the_address_once(account: Account) -> None:
    user = account.core.user("alice")
    account.send_verification.accept(user.id, "192.0.2.1")
    account.send_verification.deliver(user.id, "192.0.2.1", "de")
    [letter] = account.postbox.letters
    assert (letter.kind, letter.to, letter.locale, letter.valid_minutes) == (
        "verify_email", user.email, "de", 1440)
    token = account.postbox.token()
    account.verify_email.check(token)
    verified = account.verify_email(token, "192.0.2.1")
    assert verified.email_verified and account.core.directory.get(user.id).email_verified
    with pytest.raises(InvalidLink):
        account.verify_email(token, "192.0.2.1")
    assert {"email.verification_sent", "email.verified"} <= set(account.audit_types())


def test_the_stored_form_is_a_keyed_hash_bound_to_the_address(account: Account) -> None:
    user = account.core.user("alice")
    account.send_verification.deliver(user.id, "192.0.2.1", "en")
    [stored] = account.accounts.tokens.rows.values()
    assert stored.purpose == VERIFY_EMAIL and stored.email_key == "alice@example.com"
    assert account.postbox.token() not in stored.token_hash


def test_an_expired_link_is_refused(account: Account) -> None:
    user = account.core.user("alice")
    account.send_verification.deliver(user.id, "192.0.2.1", "en")
    account.clock.advance(24 * 3600)
    with pytest.raises(InvalidLink):
        account.verify_email.check(account.postbox.token())
    with pytest.raises(InvalidLink):
        account.verify_email(account.postbox.token(), "192.0.2.1")


def test_a_link_for_an_address_since_changed_verifies_nothing(account: Account) -> None:
    user = account.core.user("alice")
    account.send_verification.deliver(user.id, "192.0.2.1", "en")
    with account.core.users() as users:
        users.save(replace(user, email="new@example.com"))
    with pytest.raises(InvalidLink):
        account.verify_email(account.postbox.token(), "192.0.2.1")
    assert not account.core.directory.get(user.id).email_verified


def test_a_confirmed_address_gets_no_further_link(account: Account) -> None:
    user = account.core.user("alice", email_verified=True)
    account.send_verification.deliver(user.id, "192.0.2.1", "en")
    assert account.postbox.letters == []


def test_asking_again_and_again_is_refused_past_the_limit(account: Account) -> None:
    account = make_account(MailLimitPolicy(per_account=2, per_address=100))
    user = account.core.user("alice")
    account.send_verification.accept(user.id, "192.0.2.1")
    account.send_verification.accept(user.id, "192.0.2.1")
    with pytest.raises(TooManyRequests):
        account.send_verification.accept(user.id, "192.0.2.1")


def test_without_a_mail_server_no_link_can_be_asked_for(account: Account) -> None:
    user = account.core.user("alice")
    account.postbox.ready = False
    with pytest.raises(MailUnavailable):  # the flow is off: 404, not an outage
        account.send_verification.accept(user.id, "192.0.2.1")
