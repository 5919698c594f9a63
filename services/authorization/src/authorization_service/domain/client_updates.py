"""Changing a registered client (RFC 7592 §2.2 in spirit) and rotating its secret.

An update names the fields it changes; the client as it would be then passes exactly the
rules of a registration (client_rules.validate_client), so nothing can be changed into
what could not have been registered. A client's identity and how it authenticates
(client_id, client_type, token_endpoint_auth_method) never change: that is a new client.

A rotation replaces the secret's hash in place, so the old secret fails from the commit
on. Every committed change — and a deletion (client_registry) — is announced to the token
service's replicas, which forget what they remembered of the client's authentications.
The audit trail names the changed fields, never a value of a secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from authgate_common.core.admin_api import BY_OPERATOR, Acting
from authgate_common.core.errors import InvalidRequest, NotFound

from .client_registry import Guard, Registered, client_event
from .client_rules import PRIVATE_KEY_JWT, require_known_scopes, validate_client
from .client_secrets import SecretHasher, new_secret
from .models import Client
from .ports import ClientChanges, UnitOfWork

UPDATABLE = ("name", "redirect_uris", "post_logout_redirect_uris", "scopes", "grant_types",
             "first_party", "require_nonce", "backchannel_logout_uri", "jwks", "admin", "require_mfa",
             "require_pushed_authorization_requests", "dpop_bound_access_tokens",
             "token_exchange_impersonation", "token_exchange_delegation",
             "token_exchange_subject_audiences")


@dataclass(frozen=True)
class Updated:
    client: Client
    # The fields whose value changed, in UPDATABLE order; empty when none did.
    changed: tuple[str, ...]


class ClientUpdates:
    def __init__(self, uow: UnitOfWork, hasher: SecretHasher, changes: ClientChanges) -> None:
        self._uow = uow
        self._hasher = hasher
        self._changes = changes

    def update(self, client_id: str, values: Mapping[str, Any], by: Acting = BY_OPERATOR,
               guard: Guard | None = None) -> Updated:
        """Set the named fields to `values` (lists replace the registered ones)."""
        if not values:
            raise InvalidRequest("Name at least one field to change.")
        if refused := sorted(set(values) - set(UPDATABLE)):
            raise InvalidRequest(f"Cannot change {', '.join(refused)}; "
                                 f"changeable: {', '.join(UPDATABLE)}.")
        with self._uow() as tx:
            current = tx.clients.get(client_id, for_update=True)
            if current is None:
                raise NotFound("No such client.")
            if guard is not None:
                guard(current)
            wanted = validate_client(replace(current, **values))
            changed = tuple(f for f in UPDATABLE if getattr(wanted, f) != getattr(current, f))
            if not changed:
                return Updated(current, ())
            if "scopes" in changed:
                require_known_scopes(wanted.scopes, tx.catalog)
            updated = replace(wanted, created_at=current.created_at, secret_hash=current.secret_hash,
                              version=current.version + 1)
            tx.clients.save(updated)
            tx.audit.record(client_event(by, "client.changed", client_id, fields=list(changed)))
        self._changes.announce(client_id)
        return Updated(updated, changed)

    def rotate_secret(self, client_id: str, client_secret: str = "", by: Acting = BY_OPERATOR,
                      guard: Guard | None = None) -> Registered:
        """A new secret (generated, or as given), shown once; the old one stops at the commit."""
        secret = new_secret(client_secret)
        with self._uow() as tx:
            current = tx.clients.get(client_id, for_update=True)
            if current is None:
                raise NotFound("No such client.")
            if guard is not None:
                guard(current)
            if current.is_public:
                raise InvalidRequest("A public client has no secret to rotate.")
            if current.token_endpoint_auth_method == PRIVATE_KEY_JWT:
                raise InvalidRequest("A private_key_jwt client has no secret: change its jwks instead.")
            rotated = replace(current, secret_hash=self._hasher.hash(secret), version=current.version + 1)
            tx.clients.save(rotated)
            tx.audit.record(client_event(by, "client.secret_rotated", client_id, generated=not client_secret))
        self._changes.announce(client_id)
        return Registered(rotated, secret)
