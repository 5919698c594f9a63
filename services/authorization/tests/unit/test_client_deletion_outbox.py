"""A deleted client reaches TokenService.RevokeClientTokens with an empty user_id (every token
the client holds), through the outbox written in the delete's own transaction: delivered
once, retried while the token service is down, never written when the delete fails."""

from __future__ import annotations

import pytest
from authgate_common.core.admin_api import PreconditionFailed
from authgate_common.core.errors import NotFound, TemporarilyUnavailable
from authorization_service.domain.consent.relay import CLIENT_DELETED_TOPIC, OutboxRelay, RelayPolicy


class FakeRevoker:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.failures = 0

    def revoke_client_tokens(self, user_id: str, client_id: str) -> int:
        self.calls.append((user_id, client_id))
        if self.failures:
            self.failures -= 1
            raise TemporarilyUnavailable(detail="token service down")
        return 3


@pytest.fixture
def relay(core):
    revoker = FakeRevoker()
    core.register("web")
    return OutboxRelay(core.uow, core.clock, revoker, RelayPolicy()), revoker


def deleted_messages(core) -> list[dict]:
    return [payload for topic, payload, _ in core.uow.repos.outbox.rows if topic == CLIENT_DELETED_TOPIC]


def test_deleting_a_client_revokes_every_token_it_holds(core, relay) -> None:
    relay_, revoker = relay
    core.service.registry.delete("web")
    assert deleted_messages(core) == [{"client_id": "web"}]
    assert relay_.run_once() == 1 and revoker.calls == [("", "web")]
    assert relay_.run_once() == 0 and revoker.calls == [("", "web")]


def test_a_token_service_down_gets_it_later(core, relay) -> None:
    relay_, revoker = relay
    revoker.failures = 1
    core.service.registry.delete("web")
    assert relay_.run_once() == 0
    core.clock.advance(1)
    assert relay_.run_once() == 1 and revoker.calls == [("", "web"), ("", "web")]


def test_no_message_when_the_delete_does_not_happen(core) -> None:
    core.register("web")
    with pytest.raises(NotFound):
        core.service.registry.delete("nobody")

    def refuse(_client) -> None:
        raise PreconditionFailed()
    with pytest.raises(PreconditionFailed):
        core.service.registry.delete("web", guard=refuse)  # a stale If-Match: rolled back
    assert deleted_messages(core) == []


def test_a_withdrawal_without_a_user_never_revokes_the_whole_client(core, relay) -> None:
    relay_, revoker = relay
    with core.uow() as tx:
        tx.outbox.add("consent.withdrawn", {"client_id": "web"}, core.clock.now())
    assert relay_.run_once() == 0 and revoker.calls == []
