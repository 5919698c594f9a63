"""Starting a device authorization (RFC 8628 §3.1-3.2).

The token service has authenticated the client; here it must be registered for the
device_code grant, and the scopes are checked as /authorize checks them (a registered,
known, non-admin scope; `account` for first-party clients only); no scope: the client's
registered ones that a person may approve. The device code is 256 bits, the user code
§6.1's; only keyed hashes of both are stored.
"""

from __future__ import annotations

import urllib.parse
from datetime import timedelta

from authgate_common.core.account_scope import ACCOUNT_SCOPE
from authgate_common.core.admin_scope import is_admin_scope
from authgate_common.core.crypto import keyed_hash, random_token
from authgate_common.core.errors import (
    AlreadyExists,
    InvalidClient,
    InvalidScope,
    UnauthorizedClient,
)
from authgate_common.core.resource_indicators import parse_resources

from ..catalog.ports import CatalogView
from ..codes import grant_id_of
from ..models import Client
from ..ports import Clock, UnitOfWork
from .models import DEVICE_CODE_GRANT, PENDING, DeviceAuthorization, StartedAuthorization
from .user_codes import new_user_code, normalise

VERIFICATION_PATH = "/api/v1/oauth/device"
# Expired rows are kept a day (a late poll still hears expired_token), then deleted.
KEEP_EXPIRED = timedelta(days=1)


class DeviceHashes:
    """Keyed hashes of device codes and of normalised user codes (two keys)."""

    def __init__(self, device_key: bytes, user_key: bytes) -> None:
        self._device_key, self._user_key = device_key, user_key

    def device(self, device_code: str) -> str:
        return keyed_hash(self._device_key, device_code)

    def user(self, normalised_user_code: str) -> str:
        return keyed_hash(self._user_key, normalised_user_code)


def device_scopes(client: Client, scope: str, catalog: CatalogView) -> tuple[str, ...]:
    requested = tuple(dict.fromkeys(s for s in scope.split(" ") if s))
    if not requested:  # RFC 8628 §3.1: scope is optional; the registration's own
        requested = tuple(s for s in client.scopes if not is_admin_scope(s)
                          and (s != ACCOUNT_SCOPE or client.first_party))
        if not requested:
            raise InvalidScope("scope is required: the client has no scope a person may approve.")
    known = catalog.current()
    if any(not known.knows(s) for s in requested):
        raise InvalidScope("The request contains an unknown scope.")
    if any(is_admin_scope(s) for s in requested):
        raise InvalidScope("An admin scope is obtained by client_credentials only.")
    if any(s not in client.scopes for s in requested):
        raise InvalidScope("The request asks for a scope this client is not registered for.")
    if ACCOUNT_SCOPE in requested and not client.first_party:
        raise InvalidScope("Only a first-party client may ask for the account scope.")
    return requested


class DeviceStarter:
    def __init__(self, uow: UnitOfWork, hashes: DeviceHashes, clock: Clock, catalog: CatalogView,
                 issuer: str, ttl_seconds: int, interval_seconds: int) -> None:
        self._uow, self._hashes, self._clock, self._catalog = uow, hashes, clock, catalog
        self._uri = issuer.rstrip("/") + VERIFICATION_PATH
        self._ttl, self._interval = ttl_seconds, interval_seconds

    def start(self, client_id: str, scope: str, resources: tuple[str, ...]) -> StartedAuthorization:
        with self._uow() as tx:
            client = tx.clients.get(client_id)
        if client is None:
            raise InvalidClient(detail="unknown client at the device authorization endpoint")
        if DEVICE_CODE_GRANT not in client.grant_types:
            raise UnauthorizedClient("The client is not registered for the device_code grant.")
        scopes = device_scopes(client, scope, self._catalog)
        wanted = parse_resources(resources)  # RFC 8707 §2
        for _ in range(3):  # a user code already in use (about 1 in 10^10): draw again
            try:
                return self._store(client_id, scopes, wanted)
            except AlreadyExists:
                continue
        raise AlreadyExists(detail="no free user code after three draws")

    def _store(self, client_id: str, scopes: tuple[str, ...],
               resources: tuple[str, ...]) -> StartedAuthorization:
        device_code, user_code = random_token(32), new_user_code()
        device_hash = self._hashes.device(device_code)
        now = self._clock.now()
        with self._uow() as tx:
            tx.devices.delete_expired(now - KEEP_EXPIRED)
            tx.devices.add(DeviceAuthorization(
                device_code_hash=device_hash, user_code_hash=self._hashes.user(normalise(user_code) or ""),
                grant_id=grant_id_of(device_hash), client_id=client_id, scopes=scopes,
                resources=resources, interval=self._interval, status=PENDING, created_at=now,
                expires_at=now + timedelta(seconds=self._ttl)))
        complete = f"{self._uri}?{urllib.parse.urlencode({'user_code': user_code})}"
        return StartedAuthorization(device_code=device_code, user_code=user_code,
                                    verification_uri=self._uri, verification_uri_complete=complete,
                                    expires_in=self._ttl, interval=self._interval)
