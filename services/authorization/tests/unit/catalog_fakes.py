"""An in-memory catalogue repository (the migration's seed), for the unit tests."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from authgate_common.core.scope_catalog import DEFAULT_API, SEEDED_SCOPES, Api, Scope


class FakeCatalog:
    def __init__(self, clients: Any) -> None:
        self._clients = clients  # FakeClients: whose `rows` say who holds a scope
        self.state: dict[str, Any] = {"scopes": {s.name: s for s in SEEDED_SCOPES},
                                      "apis": {DEFAULT_API.name: DEFAULT_API}, "revision": 1}

    def revision(self) -> int:
        return int(self.state["revision"])

    def lock(self) -> int:
        return self.revision()

    def bump(self) -> int:
        self.state["revision"] += 1
        return self.revision()

    def scopes(self) -> list[Scope]:
        return [self.state["scopes"][k] for k in sorted(self.state["scopes"])]

    def apis(self) -> list[Api]:
        return [self.state["apis"][k] for k in sorted(self.state["apis"])]

    def get_scope(self, name: str, *, for_update: bool = False) -> Scope | None:
        return self.state["scopes"].get(name)

    def get_api(self, name: str) -> Api | None:
        return self.state["apis"].get(name)

    def api_with_audience(self, audience: str) -> Api | None:
        return next((a for a in self.state["apis"].values() if a.audience == audience), None)

    def save_scope(self, scope: Scope, now: datetime) -> None:
        self.state["scopes"][scope.name] = scope

    def save_api(self, api: Api, now: datetime) -> None:
        self.state["apis"][api.name] = api

    def delete_scope(self, name: str) -> None:
        del self.state["scopes"][name]

    def delete_api(self, name: str) -> None:
        del self.state["apis"][name]

    def scopes_of_api(self, name: str) -> list[str]:
        return sorted(s.name for s in self.state["scopes"].values() if s.api == name)

    def existing_scopes(self, names: Collection[str]) -> set[str]:
        return set(names) & set(self.state["scopes"])

    def clients_with_scope(self, name: str) -> list[str]:
        return sorted(c.client_id for c in self._clients.rows.values() if name in c.scopes)
