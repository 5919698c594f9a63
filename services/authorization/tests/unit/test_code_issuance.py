"""Issuing a code: one transaction for the code and its audit row; a session's participant
row written once per (session, client) and process, not on every code (bench/NOTES.md)."""

from __future__ import annotations

import dataclasses

import pytest
from authorization_fakes import FakeClock, FakeUnitOfWork
from authorization_service.domain.codes import CodeHasher, CodeIssuer, RecentParticipants
from authorization_service.domain.models import CodeRequest

REQUEST = CodeRequest(client_id="web", user_id="alice", sid="s1", redirect_uri="https://app.example/cb",
                      scopes=("openid", "read"), nonce="", code_challenge="", code_challenge_method="",
                      auth_time=None, amr=("pwd",))


class CountingBackchannel:
    def __init__(self, inner: object) -> None:
        self.inner, self.calls = inner, 0

    def add_participant(self, *args: object) -> None:
        self.calls += 1
        self.inner.add_participant(*args)  # type: ignore[attr-defined]


def issuer(uow: FakeUnitOfWork, **kw: object) -> CodeIssuer:
    return CodeIssuer(uow, CodeHasher(b"k" * 32), FakeClock(), 60, **kw)  # type: ignore[arg-type]


def test_the_code_its_audit_row_and_the_participant_share_one_transaction() -> None:
    uow = FakeUnitOfWork()
    code = issuer(uow).issue(REQUEST)
    assert uow.commits == 1
    [event] = uow.repos.audit.events
    assert (event.type, event.subject, event.client_id, event.sid) == ("code.issued", "alice", "web", "s1")
    assert code not in repr(event) and set(uow.repos.backchannel.participants) == {("s1", "web")}


def test_a_participant_is_remembered_only_once_committed() -> None:
    uow = FakeUnitOfWork()
    codes = issuer(uow)

    def down(_code: object) -> None:
        raise RuntimeError("database down")

    uow.repos.codes.add = down  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        codes.issue(REQUEST)
    del uow.repos.codes.add  # the fake's own method again
    counting = CountingBackchannel(uow.repos.backchannel)
    uow.repos.backchannel = counting  # type: ignore[assignment]
    codes.issue(REQUEST)
    assert counting.calls == 1


def test_a_participant_is_written_once_per_session_and_client() -> None:
    uow = FakeUnitOfWork()
    counting = CountingBackchannel(uow.repos.backchannel)
    uow.repos.backchannel = counting  # type: ignore[assignment]
    codes = issuer(uow)
    for _ in range(3):
        codes.issue(REQUEST)
    codes.issue(dataclasses.replace(REQUEST, client_id="other"))
    codes.issue(dataclasses.replace(REQUEST, sid="s2"))
    assert counting.calls == 3
    assert set(counting.inner.participants) == {("s1", "web"), ("s1", "other"), ("s2", "web")}


def test_a_forgotten_participant_is_written_again() -> None:
    uow = FakeUnitOfWork()
    counting = CountingBackchannel(uow.repos.backchannel)
    uow.repos.backchannel = counting  # type: ignore[assignment]
    codes = issuer(uow, participants=RecentParticipants(ttl_seconds=0))
    codes.issue(REQUEST)
    codes.issue(REQUEST)
    assert counting.calls == 2 and len(counting.inner.participants) == 1
