"""Client registrations remembered per replica, for the authorization endpoint.

Every `/authorize` (and every answer on the consent page) starts from the client's
registration: its redirect URIs, scopes, whether it is first-party. Reading it costs a
database transaction per sign-in (bench/NOTES.md, item 25), so each replica remembers the
registrations it found for CLIENT_CACHE_SECONDS (0: never).

A registration decides where codes go, so a change must count from its commit on, on
every replica: each committed change (an update, a rotated secret, a deletion) is
forgotten here at once by the replica that made it (`ForgetOnChange`, before it is
published) and by every other replica when the publication reaches it
(authgate_common.client_changes: the memory is bypassed while that subscription is not
live, and forgets everything when it is made again). Unknown client ids are never
remembered, so a client registered a moment ago is found at once.
"""

from __future__ import annotations

from authgate_common.core.client_memory import ClientMemory

from .authorize.context import ClientDirectory
from .models import Client
from .ports import ClientChanges


class RememberedClients:
    """A ClientDirectory that remembers what the registry found."""

    def __init__(self, registry: ClientDirectory, memory: ClientMemory[Client]) -> None:
        self._registry = registry
        self._memory = memory

    def find(self, client_id: str) -> Client | None:
        return self._memory.recall((client_id, ""), lambda: self._registry.find(client_id))


class ForgetOnChange:
    """ClientChanges that first forgets the client on this replica, then announces it."""

    def __init__(self, memory: ClientMemory[Client], changes: ClientChanges) -> None:
        self._memory = memory
        self._changes = changes

    def announce(self, client_id: str) -> None:
        self._memory.forget(client_id)
        self._changes.announce(client_id)
