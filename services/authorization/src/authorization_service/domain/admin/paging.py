"""Listing clients a page at a time, by an opaque cursor (keyset paging over
(created_at, client_id), authgate_common.core.admin_api). Filters are exact."""

from __future__ import annotations

from dataclasses import dataclass, field

from authgate_common.core.admin_api import Position

from ..models import Client


@dataclass(frozen=True)
class ClientQuery:
    after: Position | None = None
    client_type: str | None = None
    first_party: bool | None = None
    admin: bool | None = None


@dataclass(frozen=True)
class ClientPage:
    clients: list[Client] = field(default_factory=list)
    next_cursor: str | None = None


def position_of(client: Client) -> Position:
    assert client.created_at is not None  # every stored client has its registration time
    return Position(client.created_at, client.client_id)
