"""Self-registration: an unverified account and a verification mail; an address that is
registered already gets the same answer and its owner a note (domain/account/registration.py)."""

from __future__ import annotations

import pytest
from account_fakes import Account, make_account
from identity_service.domain.account.courier import MailUnavailable
from identity_service.domain.account.registration import FieldRejected, UsernameTaken
from identity_service.domain.create_user import NewUser

PASSWORD = "a long enough passphrase"


@pytest.fixture
def account() -> Account:
    return make_account()


def register(account: Account, username: str = "carol", email: str = "carol@example.com", **extra: object):
    registration = account.register(NewUser(username=username, email=email, password=PASSWORD,
                                            **extra), "192.0.2.1")  # type: ignore[arg-type]
    account.register.deliver(registration, "192.0.2.1", "en")
    return registration


def test_a_new_account_is_unverified_and_gets_a_verification_link(account: Account) -> None:
    registration = register(account, email_verified=True)  # nobody verifies their own address
    user = registration.user
    assert user is not None and not user.email_verified
    [letter] = account.postbox.letters
    assert (letter.kind, letter.to) == ("verify_email", "carol@example.com")
    assert account.verify_email(account.postbox.token(), "192.0.2.1").email_verified
    assert {"user.created", "user.registered", "email.verification_sent"} <= set(account.audit_types())


def test_a_registered_address_gets_the_same_answer_and_its_owner_a_note(account: Account) -> None:
    owner = account.core.user("dave", email="dave@example.com")
    registration = register(account, username="mallory", email="DAVE@example.com")
    assert registration.user is None and registration.existing == owner
    [letter] = account.postbox.letters
    assert (letter.kind, letter.to, letter.username) == ("already_registered", "dave@example.com", "dave")
    assert [u.username for u in account.core.directory.list(10)] == ["dave"]


def test_a_taken_username_must_be_changed(account: Account) -> None:
    account.core.user("erin")
    with pytest.raises(UsernameTaken):
        register(account, username="ERIN", email="other@example.com")
    assert account.postbox.letters == []


@pytest.mark.parametrize(("username", "email", "password", "field"), [
    (" spaced", "f@example.com", PASSWORD, "username"),
    ("frank", "not-an-address", PASSWORD, "email"),
    ("frank", "f@example.com", "short", "password"),
    ("frank", "f@example.com", "frank", "password"),
])
def test_a_broken_rule_names_its_field(account: Account, username: str, email: str, password: str,
                                       field: str) -> None:
    with pytest.raises(FieldRejected) as caught:
        account.register(NewUser(username=username, email=email, password=password), "192.0.2.1")
    assert caught.value.field == field


def test_without_a_mail_server_nobody_can_register(account: Account) -> None:
    account.postbox.ready = False
    with pytest.raises(MailUnavailable):  # the flow is off: 404, not an outage
        register(account)
    assert account.core.directory.list(10) == []
