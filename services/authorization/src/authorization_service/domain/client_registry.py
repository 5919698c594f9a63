"""Client registry use cases (RFC 6749 §2) and client authentication (RFC 6749 §2.3.1).

AuthenticateClient answers `invalid_client` for every failure alike: unknown client,
wrong or missing secret, or a public client presenting a secret (it has none, so a
secret means the caller is confused or probing).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from authgate_common.errors import AlreadyExists, InvalidClient, NotFound

from .client_rules import validate_client
from .client_secrets import SecretHasher, new_secret
from .models import Client
from .ports import Clock, UnitOfWork


@dataclass(frozen=True)
class Registered:
    client: Client
    # Shown once, at registration; empty for public clients.
    client_secret: str


class ClientRegistry:
    def __init__(self, uow: UnitOfWork, hasher: SecretHasher, clock: Clock) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock

    def create(self, client: Client, client_secret: str = "") -> Registered:
        client = validate_client(client)
        # A secret given for a public client is ignored (the contract says so): it has none.
        secret = "" if client.is_public else new_secret(client_secret)
        client = replace(client, created_at=self._clock.now(),
                         secret_hash=self._hasher.hash(secret) if secret else "")
        with self._uow() as tx:
            if tx.clients.get(client.client_id) is not None:
                raise AlreadyExists("The client_id is already registered.")
            tx.clients.add(client)
        return Registered(client, secret)

    def get(self, client_id: str) -> Client:
        with self._uow() as tx:
            client = tx.clients.get(client_id)
        if client is None:
            raise NotFound("No such client.")
        return client

    def find(self, client_id: str) -> Client | None:
        with self._uow() as tx:
            return tx.clients.get(client_id)

    def list_clients(self) -> list[Client]:
        with self._uow() as tx:
            return tx.clients.all()

    def delete(self, client_id: str) -> None:
        with self._uow() as tx:
            if not tx.clients.delete(client_id):
                raise NotFound("No such client.")
            # A client registered later under the same id must not inherit these approvals.
            tx.consents.delete_for_client(client_id)

    def authenticate(self, client_id: str, client_secret: str) -> Client:
        with self._uow() as tx:
            client = tx.clients.get(client_id) if client_id else None
        stored = client.secret_hash if client is not None else None
        # Hash and compare on every path, so the answer takes as long for a stranger.
        secret_ok = self._hasher.matches(client_secret, stored)
        if client is None:
            raise InvalidClient(detail="unknown client")
        if client.is_public:
            if client_secret:
                raise InvalidClient(detail="public client presented a secret")
            return client
        if not client_secret or not secret_ok:
            raise InvalidClient(detail="wrong or missing secret")
        return client
