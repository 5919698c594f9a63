"""Client registry use cases (RFC 6749 §2) and client authentication (RFC 6749 §2.3.1).

AuthenticateClient answers `invalid_client` for every failure alike: unknown client,
wrong or missing secret, or a public client presenting a secret (it has none, so a
secret means the caller is confused or probing). A private_key_jwt client has no secret:
it authenticates with a signed assertion (RFC 7523 §2.2, checked in client_assertion).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from authgate_common.core.admin_api import BY_OPERATOR, Acting
from authgate_common.core.audit import AuditEvent
from authgate_common.core.errors import AlreadyExists, InvalidClient, InvalidRequest, NotFound

from .client_assertion import JWT_BEARER, ClientAssertions, peek_subject
from .client_rules import PRIVATE_KEY_JWT, require_known_scopes, validate_client
from .client_secrets import SecretHasher, new_secret
from .consent.relay import CLIENT_DELETED_TOPIC
from .models import Client
from .ports import ClientChanges, Clock, UnitOfWork


def _described(client: Client) -> dict[str, object]:
    """What the audit trail keeps of a registration: never its secret or keys."""
    return {"client_type": client.client_type, "grant_types": list(client.grant_types),
            "scopes": list(client.scopes), "redirect_uris": list(client.redirect_uris),
            "first_party": client.first_party, "pkce_optional": client.pkce_optional,
            "admin": client.admin, "require_mfa": client.require_mfa,
            # "authorization" in a detail's name reads as a secret to the audit trail's guard.
            "require_par": client.require_pushed_authorization_requests,
            # ... and so does "token": dpop_bound_access_tokens, token_exchange_* as below.
            "dpop_bound": client.dpop_bound_access_tokens,
            "exchange_impersonation": client.token_exchange_impersonation,
            "exchange_delegation": client.token_exchange_delegation,
            "exchange_subject_audiences": list(client.token_exchange_subject_audiences)}


# Run on the locked row before a change (the admin API: If-Match, operator-managed clients).
Guard = Callable[[Client], None]


def client_event(by: Acting, name: str, client_id: str, **details: Any) -> AuditEvent:
    """`client.<action>` by the operator, `admin.client.<action>` by an admin client (its
    actor); either way client_id names the client changed."""
    return replace(by.event(name, "", **details), client_id=client_id)


@dataclass(frozen=True)
class Registered:
    client: Client
    # Shown once, at registration; empty for public clients.
    client_secret: str


class ClientRegistry:
    def __init__(self, uow: UnitOfWork, hasher: SecretHasher, clock: Clock,
                 assertions: ClientAssertions | None, changes: ClientChanges) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._assertions = assertions
        self._changes = changes

    def create(self, client: Client, client_secret: str = "", by: Acting = BY_OPERATOR) -> Registered:
        client = validate_client(client)
        if client.token_endpoint_auth_method == PRIVATE_KEY_JWT and client_secret:
            raise InvalidRequest("A private_key_jwt client has no secret: it signs with its keys.")
        # A secret given for a public client is ignored (the contract says so): it has none.
        has_secret = not client.is_public and client.token_endpoint_auth_method != PRIVATE_KEY_JWT
        secret = new_secret(client_secret) if has_secret else ""
        client = replace(client, created_at=self._clock.now(),
                         secret_hash=self._hasher.hash(secret) if secret else "")
        with self._uow() as tx:
            if tx.clients.get(client.client_id) is not None:
                raise AlreadyExists("The client_id is already registered.")
            require_known_scopes(client.scopes, tx.catalog)
            tx.clients.add(client)
            tx.audit.record(client_event(by, "client.created", client.client_id, **_described(client)))
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

    def delete(self, client_id: str, by: Acting = BY_OPERATOR, guard: Guard | None = None) -> None:
        with self._uow() as tx:
            current = tx.clients.get(client_id, for_update=True)
            if current is None:
                raise NotFound("No such client.")
            if guard is not None:
                guard(current)
            tx.clients.delete(client_id)
            # A client registered later under the same id must not inherit these approvals.
            dropped = tx.consents.delete_for_client(client_id)
            tx.audit.record(client_event(by, "client.deleted", client_id, consents_removed=dropped))
            # Every token it holds must stop validating now, not at its expiry: the relay takes
            # this to the token service, retrying until it is there.
            tx.outbox.add(CLIENT_DELETED_TOPIC, {"client_id": client_id}, self._clock.now())
        # Token replicas may remember its authentications: they must stop now, not at their TTL.
        self._changes.announce(client_id)

    def authenticate(self, client_id: str, client_secret: str, assertion_type: str = "",
                     assertion: str = "") -> Client:
        if assertion_type or assertion:
            return self._authenticate_assertion(client_id, client_secret, assertion_type, assertion)
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

    def _authenticate_assertion(self, client_id: str, client_secret: str, assertion_type: str,
                                assertion: str) -> Client:
        if not assertion_type or not assertion:
            raise InvalidRequest("client_assertion and client_assertion_type go together.")
        if client_secret:
            raise InvalidRequest("Use one client authentication method, not several.")
        if assertion_type != JWT_BEARER:
            raise InvalidClient("Unsupported client_assertion_type.", detail=assertion_type[:80])
        subject = peek_subject(assertion)
        if client_id and client_id != subject:
            raise InvalidClient(detail="client_id is not the assertion's sub")
        with self._uow() as tx:
            client = tx.clients.get(subject)
        if client is None or client.token_endpoint_auth_method != PRIVATE_KEY_JWT:
            raise InvalidClient(detail="no private_key_jwt client by the assertion's sub")
        if self._assertions is None:
            raise InvalidClient(detail="client assertions are not wired")
        self._assertions.verify(client.client_id, client.jwks, assertion)
        return client
