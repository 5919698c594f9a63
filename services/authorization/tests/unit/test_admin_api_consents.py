"""The admin API's consents on fakes: a user's approvals listed, one or all withdrawn by
the user's own use case (the outbox tells the token service, the next /authorize asks
again), audited as admin.consent.withdrawn with the acting client."""

from __future__ import annotations

import pytest
from authgate_common.core.admin_api import by_admin_client
from authgate_common.core.errors import InvalidRequest, NotFound
from authorization_service.domain.admin.consents import ConsentAdmin
from authorization_service.domain.consent.book import WITHDRAWN_TOPIC

USER = "0b7e2d55-5c1a-4c1e-9d62-8f0a3c4b2e11"
BOT = by_admin_client("ops-bot")


@pytest.fixture
def consents(core) -> ConsentAdmin:
    core.register("web")
    core.register("app")
    book = core.service.consents
    book.grant(USER, "web", ("openid", "read"))
    book.grant(USER, "app", ("openid",))
    book.grant("0b7e2d55-0000-4c1e-9d62-8f0a3c4b2e11", "web", ("openid",))
    return ConsentAdmin(book)


def test_a_users_approvals_are_listed_by_id(consents):
    views = consents.of_user(USER.upper())
    assert [(v.client_id, v.scopes) for v in views] == [("app", ("openid",)), ("web", ("openid", "read"))]
    for bad in ("user-1", "", "x" * 64):
        with pytest.raises(InvalidRequest):
            consents.of_user(bad)


def test_withdrawing_one_is_the_users_own_withdrawal_audited_by_the_client(core, consents):
    consents.withdraw(USER, "web", BOT)
    assert not core.service.consents.covers(USER, "web", ("openid",))
    topic, payload, _ = core.uow.repos.outbox.rows[-1]
    assert (topic, payload["user_id"], payload["client_id"]) == (WITHDRAWN_TOPIC, USER, "web")
    [event] = [e for e in core.uow.repos.audit.events if e.type == "admin.consent.withdrawn"]
    assert (event.subject, event.actor, event.client_id) == (USER, "client:ops-bot", "web")
    assert event.details == {"scope": ["openid", "read"]}
    with pytest.raises(NotFound):
        consents.withdraw(USER, "web", BOT)


def test_withdrawing_all_leaves_other_users_alone(core, consents):
    assert sorted(consents.withdraw_all(USER, BOT)) == ["app", "web"]
    assert consents.of_user(USER) == [] and consents.withdraw_all(USER, BOT) == []
    assert core.service.consents.covers("0b7e2d55-0000-4c1e-9d62-8f0a3c4b2e11", "web", ("openid",))
    topics = [topic for topic, _, _ in core.uow.repos.outbox.rows]
    assert topics.count(WITHDRAWN_TOPIC) == 2
