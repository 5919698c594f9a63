"""Authorization events in the audit trail, written in the transaction of the change:
clients registered and deleted (never their secret), codes issued (never the code),
consents given and withdrawn."""

from __future__ import annotations

import pytest
from authgate_common.core.errors import AlreadyExists


def test_client_registration_and_deletion_are_recorded_without_the_secret(core) -> None:
    client, secret = core.register("web", grant_types=("authorization_code",))
    with pytest.raises(AlreadyExists):
        core.register("web")  # refused: nothing recorded
    core.service.registry.delete("web")
    events = core.uow.repos.audit.events
    assert [(e.type, e.client_id, e.actor) for e in events] == [
        ("client.created", "web", "operator"),
        ("client.deleted", "web", "operator"),
    ]
    assert events[0].details["grant_types"] == ["authorization_code"]
    assert events[0].details["redirect_uris"] == list(client.redirect_uris)
    assert secret and secret not in repr(events) and client.secret_hash not in repr(events)


def test_an_issued_code_is_recorded_with_client_user_and_session(core, pkce) -> None:
    core.register("web")
    core.uow.repos.audit.events.clear()
    code = core.issue_code(pkce[1])
    [event] = core.uow.repos.audit.events
    session = next(iter(core.sessions.tokens.values()))
    assert (event.type, event.subject, event.client_id, event.sid) == (
        "code.issued",
        session.user_id,
        "web",
        session.sid,
    )
    assert event.details["scope"] == ["openid", "read"] and len(event.details["grant_id"]) == 32
    assert code not in repr(event)


def test_consent_given_and_withdrawn_are_recorded(core) -> None:
    core.register("web")
    book = core.service.consents
    book.grant("alice", "web", ("openid",))
    book.grant("alice", "web", ("read",))
    book.withdraw("alice", "web")
    events = [(e.type, e.subject, e.client_id, dict(e.details)) for e in core.uow.repos.audit.events[1:]]
    assert events == [
        ("consent.given", "alice", "web", {"scope": ["openid"], "now_granted": ["openid"]}),
        ("consent.given", "alice", "web", {"scope": ["read"], "now_granted": ["openid", "read"]}),
        ("consent.withdrawn", "alice", "web", {"scope": ["openid", "read"]}),
    ]
