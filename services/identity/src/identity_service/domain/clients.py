"""What the sign-in pages may show of the client a person signs in to (its registered
name, "Sign in to …") and its sign-in policy, asked of the authorization service, which
owns the client registry (AuthorizationService.DescribeClient).

The name is shown, never trusted: an unknown client, or a registry that cannot answer,
gives no name and the page simply says "Sign in". What a request needs (acr, require_mfa)
is decided by the authorization service, which re-checks the session when the browser
comes back (proto/authgate/authorization/v1/authorization.proto).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ClientInfo:
    client_id: str
    name: str
    require_mfa: bool = False


class ClientDirectory(Protocol):
    def describe(self, client_id: str) -> ClientInfo | None:
        """The client, or None when it is unknown or the registry is unavailable."""
        ...


class NoClients:
    """A directory that knows no client (tests and services wired without one)."""

    def describe(self, client_id: str) -> ClientInfo | None:
        return None
