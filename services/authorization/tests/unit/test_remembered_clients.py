"""Client registrations remembered for /authorize: read once per replica, and forgotten at
once when a change commits — on this replica before it is announced, on the others when
the announcement reaches them."""

from __future__ import annotations

from dataclasses import replace

import pytest
from authgate_common.core.client_memory import ClientMemory
from authorization_fakes import REDIRECT, Core, FakeChanges, FakeClock, FakeSessions, FakeUnitOfWork
from authorization_service.bootstrap import build
from authorization_service.domain.authorize.context import ErrorPage, Redirect
from authorization_service.settings import Settings

NEW_CB = "https://app.example/new-cb"


class Remembering(Core):
    memory: ClientMemory
    reads: list[str]


class CheckingChanges(FakeChanges):
    """Records, with each announcement, whether this replica still remembered the client."""

    memory: ClientMemory

    def announce(self, client_id: str) -> None:
        super().announce(client_id)
        self.still_remembered = any(k[0] == client_id for k in self.memory._entries)


@pytest.fixture
def core(settings: Settings) -> Remembering:
    uow, sessions, clock = FakeUnitOfWork(), FakeSessions(), FakeClock()
    changes, memory = CheckingChanges(uow), ClientMemory(300)
    changes.memory = memory
    reads: list[str] = []
    clients, get = uow.repos.clients, uow.repos.clients.get

    def counted(client_id: str, *, for_update: bool = False):
        reads.append(client_id)
        return get(client_id, for_update=for_update)

    clients.get = counted  # type: ignore[method-assign]
    service = build(settings, uow=uow, sessions=sessions, clock=clock, changes=changes, client_memory=memory)
    remembering = Remembering(service, uow, sessions, clock, changes)
    remembering.memory, remembering.reads = memory, reads
    return remembering


def authorize(core: Core, cookie: str, challenge: str, redirect_uri: str = REDIRECT):
    return core.authorize(cookie=cookie, **core.valid_params(challenge, redirect_uri=redirect_uri))


def test_a_registration_is_read_once_then_remembered(core: Remembering, pkce) -> None:
    core.register("web")
    cookie, _ = core.sessions.sign_in()
    core.reads.clear()
    for _ in range(3):
        assert isinstance(authorize(core, cookie, pkce[1]), Redirect)
    assert core.reads == ["web"]


def test_a_change_made_here_counts_from_the_next_request(core: Remembering, pkce) -> None:
    core.register("web")
    cookie, _ = core.sessions.sign_in()
    assert isinstance(authorize(core, cookie, pkce[1]), Redirect)
    core.service.updates.update("web", {"redirect_uris": (NEW_CB,)})
    assert core.changes.still_remembered is False  # forgotten before it was announced
    assert isinstance(authorize(core, cookie, pkce[1]), ErrorPage)  # never redirected there again
    assert isinstance(authorize(core, cookie, pkce[1], NEW_CB), Redirect)


def test_a_deleted_client_is_unknown_at_once(core: Remembering, pkce) -> None:
    core.register("web")
    cookie, _ = core.sessions.sign_in()
    assert isinstance(authorize(core, cookie, pkce[1]), Redirect)
    core.service.registry.delete("web")
    assert core.changes.still_remembered is False
    assert isinstance(authorize(core, cookie, pkce[1]), ErrorPage)


def test_a_change_pushed_from_another_replica_is_forgotten_when_it_arrives(core: Remembering,
                                                                            pkce) -> None:
    client, _ = core.register("web")
    cookie, _ = core.sessions.sign_in()
    assert isinstance(authorize(core, cookie, pkce[1]), Redirect)
    # Another replica commits the change; until its announcement arrives this one remembers.
    core.uow.repos.clients.rows["web"] = replace(client, redirect_uris=(NEW_CB,))
    assert isinstance(authorize(core, cookie, pkce[1]), Redirect)
    core.memory.forget("web")  # the announcement (authgate_common.client_changes)
    assert isinstance(authorize(core, cookie, pkce[1]), ErrorPage)
    assert isinstance(authorize(core, cookie, pkce[1], NEW_CB), Redirect)


def test_unknown_client_ids_are_not_remembered(core: Remembering, pkce) -> None:
    cookie, _ = core.sessions.sign_in()
    assert isinstance(authorize(core, cookie, pkce[1]), ErrorPage)  # no "web" yet
    core.register("web")
    assert isinstance(authorize(core, cookie, pkce[1]), Redirect)
