"""Mail the account flows send is limited per account and per client address
(domain/account/mail_limit.py): past the account's limit nothing is sent but the answer
stays the same; past the address's, the request is refused (429)."""

from __future__ import annotations

import pytest
from account_fakes import make_account
from authgate_common.core.errors import TooManyRequests
from identity_service.domain.account.mail_limit import MailLimitPolicy


def test_past_the_accounts_limit_no_mail_goes_out_and_the_answer_is_unchanged() -> None:
    account = make_account(MailLimitPolicy(per_account=2, per_address=100))
    account.core.user("alice")
    answers = [account.request_reset.accept("Alice@Example.com", f"192.0.2.{i}") for i in range(4)]
    assert answers == [True, True, False, False]  # the page is the same; only delivery stops
    assert account.request_reset.accept("bob@example.com", "192.0.2.1") is True


def test_an_unknown_address_counts_like_a_known_one() -> None:
    account = make_account(MailLimitPolicy(per_account=1, per_address=100))
    account.core.user("alice")
    for address in ("alice@example.com", "nobody@example.com"):
        assert [account.request_reset.accept(address, "192.0.2.1") for _ in range(2)] == [True, False]


def test_past_the_addresss_limit_the_request_is_refused() -> None:
    account = make_account(MailLimitPolicy(per_account=100, per_address=3))
    for i in range(3):
        account.request_reset.accept(f"user{i}@example.com", "198.51.100.7")
    with pytest.raises(TooManyRequests) as caught:
        account.request_reset.accept("user9@example.com", "198.51.100.7")
    assert caught.value.status_code == 429
    assert account.request_reset.accept("user9@example.com", "198.51.100.8") is True
