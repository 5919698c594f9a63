"""Wiring of dynamic client registration (RFC 7591, RFC 7592) for the composition root:
None when DCR_ENABLED is off or no registration store was given (the routes are 404, the
operator's CreateInitialAccessToken answers not_found)."""

from __future__ import annotations

from dataclasses import dataclass

from authgate_common.core.crypto import derive_key

from .domain.client_registry import ClientRegistry
from .domain.client_secrets import SecretHasher
from .domain.client_updates import ClientUpdates
from .domain.dcr.initial_tokens import InitialTokens
from .domain.dcr.manage import ClientConfiguration
from .domain.dcr.ports import DcrUnitOfWork
from .domain.dcr.register import ClientRegistration, RegistrationPolicy, RegistrationTokens
from .domain.ports import Clock
from .entrypoints.dcr_api import DcrHttpDeps
from .settings import Settings


@dataclass(frozen=True)
class DcrWiring:
    http: DcrHttpDeps
    initial_tokens: InitialTokens


def wire_dcr(settings: Settings, uow: DcrUnitOfWork | None, registry: ClientRegistry,
             updates: ClientUpdates, hasher: SecretHasher, clock: Clock) -> DcrWiring | None:
    if uow is None or not settings.DCR_ENABLED:
        return None
    key = settings.SECRET_KEY
    initial = InitialTokens(uow, derive_key(key, "authorization/initial-access-token"), clock)
    tokens = RegistrationTokens(derive_key(key, "authorization/registration-access-token"))
    policy = RegistrationPolicy(tuple(settings.DCR_ALLOWED_SCOPES.split()), settings.DCR_OPEN_REGISTRATION)
    registration = ClientRegistration(uow, initial, tokens, hasher, clock, policy)
    configuration = ClientConfiguration(uow, tokens, registry, updates, hasher, policy)
    return DcrWiring(DcrHttpDeps(registration, configuration, settings.issuer), initial)
