"""Client registration (RFC 7591 §3): metadata in, a registered client and its credentials out.

The request carries an initial access token (§3, Bearer) unless the operator opened
registration (DCR_OPEN_REGISTRATION); a missing, unknown, expired or used-up one is
`invalid_token` (RFC 6750 §3.1). One transaction spends a use of it, adds the client and
stores the keyed hash of its new registration access token (RFC 7592 §3), so a refused
registration spends nothing. The client_id and both secrets are random; the client secret
(confidential clients authenticating by secret) and the registration access token are
returned once, here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from authgate_common.core.admin_api import Acting
from authgate_common.core.crypto import keyed_hash, random_token
from authgate_common.core.errors import InvalidToken

from ..client_registry import client_event
from ..client_rules import PRIVATE_KEY_JWT, require_known_scopes
from ..client_secrets import SecretHasher, new_secret
from ..models import Client
from ..ports import Clock
from .initial_tokens import InitialTokens
from .metadata import checked, client_from_metadata
from .ports import DcrUnitOfWork

BY_DCR = Acting(actor="dcr")
NO_TOKEN = {"no_token": "1"}


@dataclass(frozen=True)
class Registration:
    client: Client
    client_secret: str  # empty when the client has none
    registration_access_token: str


@dataclass(frozen=True)
class RegistrationPolicy:
    allowed_scopes: tuple[str, ...]
    open_registration: bool = False


class RegistrationTokens:
    """Registration access tokens (RFC 7592 §3): random, stored as keyed hashes."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def new(self) -> tuple[str, str]:
        token = random_token(32)
        return token, self.hash(token)

    def hash(self, token: str) -> str:
        return keyed_hash(self._key, token)


class ClientRegistration:
    def __init__(self, uow: DcrUnitOfWork, initial: InitialTokens, tokens: RegistrationTokens,
                 hasher: SecretHasher, clock: Clock, policy: RegistrationPolicy) -> None:
        self._uow, self._initial, self._tokens = uow, initial, tokens
        self._hasher, self._clock, self._policy = hasher, clock, policy

    def register(self, metadata: dict[str, Any], initial_token: str | None) -> Registration:
        if initial_token is None and not self._policy.open_registration:
            raise InvalidToken("Registration needs an initial access token.", metadata=NO_TOKEN)
        client = client_from_metadata(metadata, random_token(16), self._policy.allowed_scopes)
        has_secret = not client.is_public and client.token_endpoint_auth_method != PRIVATE_KEY_JWT
        secret = new_secret() if has_secret else ""
        now = self._clock.now()
        client = replace(client, created_at=now, secret_hash=self._hasher.hash(secret) if secret else "")
        access_token, access_hash = self._tokens.new()
        with self._uow() as tx:
            if initial_token is not None and not self._policy.open_registration:
                if not tx.initial_tokens.use(self._initial.hash(initial_token), now):
                    raise InvalidToken("The initial access token is unknown, expired or used up.")
            checked(lambda: require_known_scopes(client.scopes, tx.catalog))
            tx.clients.add(client)
            tx.registrations.add(client.client_id, access_hash, now)
            tx.audit.record(client_event(BY_DCR, "client.registered", client.client_id,
                                         client_type=client.client_type, scopes=list(client.scopes),
                                         grant_types=list(client.grant_types),
                                         redirect_uris=list(client.redirect_uris)))
        return Registration(client, secret, access_token)
