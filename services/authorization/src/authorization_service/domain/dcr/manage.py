"""Client configuration endpoint (RFC 7592 §2): read, update, delete a dynamically
registered client with its registration access token.

A wrong or missing token, or a client that was not registered dynamically (or no longer
exists), is the same 401 `invalid_token` (§2.1: the client may not learn which). An update
replaces the metadata (§2.2: omitted fields are emptied) and passes the registry's rules
through its update use case (so each replica forgets the old registration); a client_secret
in the request must be the current one. Deletion goes through the registry's deletion
(consents dropped, tokens revoked). A client the operator took over (admin or first-party)
is no longer managed here: 403.
"""

from __future__ import annotations

from typing import Any

from authgate_common.core.crypto import constant_time_equal
from authgate_common.core.errors import AccessDenied, InvalidClientMetadata, InvalidToken, NotFound

from ..client_registry import ClientRegistry
from ..client_secrets import SecretHasher
from ..client_updates import ClientUpdates
from ..models import Client
from .metadata import checked, client_from_metadata
from .ports import DcrUnitOfWork
from .register import BY_DCR, NO_TOKEN, RegistrationPolicy, RegistrationTokens

# What an update may change (client_updates.UPDATABLE minus the operator's own marks).
FROM_METADATA = ("name", "redirect_uris", "post_logout_redirect_uris", "scopes", "grant_types",
                 "backchannel_logout_uri", "jwks", "dpop_bound_access_tokens")


def _self_managed(client: Client) -> None:
    if client.admin or client.first_party:
        raise AccessDenied("This client is managed by the operator.")


class ClientConfiguration:
    def __init__(self, uow: DcrUnitOfWork, tokens: RegistrationTokens, registry: ClientRegistry,
                 updates: ClientUpdates, hasher: SecretHasher, policy: RegistrationPolicy) -> None:
        self._uow, self._tokens, self._registry = uow, tokens, registry
        self._updates, self._hasher, self._policy = updates, hasher, policy

    def _authorized(self, client_id: str, token: str | None) -> Client:
        if token is None:
            raise InvalidToken("Send the registration access token.", metadata=NO_TOKEN)
        with self._uow() as tx:
            stored = tx.registrations.token_hash(client_id)
            client = tx.clients.get(client_id) if stored else None
        if stored is None or client is None or not constant_time_equal(self._tokens.hash(token), stored):
            raise InvalidToken("The registration access token is invalid.")
        _self_managed(client)
        return client

    def read(self, client_id: str, token: str | None) -> Client:
        return self._authorized(client_id, token)

    def update(self, client_id: str, token: str | None, metadata: dict[str, Any]) -> Client:
        current = self._authorized(client_id, token)
        if metadata.get("client_id") != client_id:
            raise InvalidClientMetadata("client_id must be the registered client's (RFC 7592 §2.2).")
        if "client_secret" in metadata and not self._hasher.matches(str(metadata["client_secret"]),
                                                                    current.secret_hash or None):
            raise InvalidClientMetadata("client_secret is not the client's current secret.")
        wanted = client_from_metadata(metadata, client_id, self._policy.allowed_scopes)
        if wanted.token_endpoint_auth_method != current.token_endpoint_auth_method:
            raise InvalidClientMetadata("token_endpoint_auth_method cannot change: register a new client.")
        values = {f: getattr(wanted, f) for f in FROM_METADATA}
        try:
            updated = checked(lambda: self._updates.update(client_id, values, BY_DCR, _self_managed))
        except NotFound as err:
            raise InvalidToken("The registration access token is invalid.") from err
        return updated.client

    def delete(self, client_id: str, token: str | None) -> None:
        self._authorized(client_id, token)
        try:
            self._registry.delete(client_id, BY_DCR, _self_managed)
        except NotFound as err:
            raise InvalidToken("The registration access token is invalid.") from err
