"""The outbox relay: a withdrawn consent reaches TokenService.RevokeClientTokens once
delivered; failures are retried after a growing wait and never dropped."""

from __future__ import annotations

import pytest
from authgate_common.core.errors import TemporarilyUnavailable
from authorization_service.domain.consent.relay import OutboxRelay, RelayPolicy
from authorization_service.domain.models import Consent


class FakeRevoker:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.failures = 0

    def revoke_client_tokens(self, user_id: str, client_id: str) -> int:
        self.calls.append((user_id, client_id))
        if self.failures:
            self.failures -= 1
            raise TemporarilyUnavailable(detail="token service down")
        return 1


@pytest.fixture
def relay(core):
    revoker = FakeRevoker()
    core.uow.repos.consents.save(Consent("alice", "tp", ("openid",), core.clock.now()))
    core.service.consents.withdraw("alice", "tp")
    return OutboxRelay(core.uow, core.clock, revoker, RelayPolicy()), revoker


def test_withdrawal_is_delivered_once(core, relay) -> None:
    relay_, revoker = relay
    assert relay_.run_once() == 1
    assert revoker.calls == [("alice", "tp")]
    assert relay_.run_once() == 0 and revoker.calls == [("alice", "tp")]
    assert core.uow.repos.outbox.meta[1]["delivered"] == core.clock.now()


def test_failures_back_off_and_are_retried_until_delivered(core, relay) -> None:
    relay_, revoker = relay
    revoker.failures = 2
    assert relay_.run_once() == 0                      # attempt 1 fails: retry after 1 s
    meta = core.uow.repos.outbox.meta[1]
    assert "temporarily_unavailable" in meta["error"] and meta["delivered"] is None
    assert relay_.run_once() == 0 and len(revoker.calls) == 1  # not due yet
    core.clock.advance(1)
    assert relay_.run_once() == 0                      # attempt 2 fails: retry after 2 s
    core.clock.advance(1)
    assert relay_.run_once() == 0 and len(revoker.calls) == 2
    core.clock.advance(1)
    assert relay_.run_once() == 1 and len(revoker.calls) == 3
    assert meta["delivered"] is not None


def test_a_claimed_message_is_hidden_for_the_lease(core, relay) -> None:
    _, revoker = relay
    now = core.clock.now()
    with core.uow() as tx:  # another replica claimed it and died mid-call
        (claimed,) = tx.outbox.claim_due(["consent.withdrawn"], now, 10, now + RelayPolicy().lease)
    other = OutboxRelay(core.uow, core.clock, revoker, RelayPolicy())
    assert other.run_once() == 0 and revoker.calls == []
    core.clock.advance(RelayPolicy().lease.total_seconds())
    assert other.run_once() == 1 and revoker.calls == [("alice", "tp")]
    assert core.uow.repos.outbox.meta[claimed.id]["attempts"] == 2


def test_backoff_is_capped() -> None:
    policy = RelayPolicy()
    assert [policy.delay(n).total_seconds() for n in (1, 2, 3)] == [1, 2, 4]
    assert policy.delay(500) == policy.cap
