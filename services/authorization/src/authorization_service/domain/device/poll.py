"""The token endpoint's poll (RFC 8628 §3.4-3.5).

Each poll is read and written under the row's lock: a poll sooner than `interval` after
the previous one is slow_down and adds 5 seconds to the interval; until the person
decides, authorization_pending; once approved, the grant, exactly once (a later poll is
invalid_grant); denied: access_denied; past its lifetime: expired_token.
"""

from __future__ import annotations

from dataclasses import replace

from authgate_common.core.errors import (
    AccessDenied,
    AuthorizationPending,
    ExpiredToken,
    InvalidGrant,
    OAuthError,
    SlowDown,
)

from ..models import Grant
from ..ports import Clock, UnitOfWork
from .models import APPROVED, DENIED, PENDING, SLOW_DOWN_STEP, DeviceAuthorization
from .start import DeviceHashes

MAX_DEVICE_CODE_LENGTH = 512


class DevicePoller:
    def __init__(self, uow: UnitOfWork, hashes: DeviceHashes, clock: Clock) -> None:
        self._uow, self._hashes, self._clock = uow, hashes, clock

    def poll(self, client_id: str, device_code: str) -> Grant:
        if not device_code or len(device_code) > MAX_DEVICE_CODE_LENGTH:
            raise InvalidGrant(detail="missing or oversized device_code")
        now = self._clock.now()
        refusal: OAuthError | None = None
        with self._uow() as tx:
            device = tx.devices.by_device_code(self._hashes.device(device_code))
            if device is None or device.client_id != client_id:
                raise InvalidGrant(detail="unknown device_code or another client's")
            if now >= device.expires_at:
                raise ExpiredToken()
            if device.status == DENIED:
                raise AccessDenied("The user denied the request.")
            if device.status == APPROVED:
                tx.devices.save(replace(device, status="issued", last_polled_at=now))
                return grant_of(device)
            if device.status != PENDING:
                raise InvalidGrant("The device_code was already used.")
            last = device.last_polled_at
            too_soon = last is not None and (now - last).total_seconds() < device.interval
            interval = device.interval + SLOW_DOWN_STEP if too_soon else device.interval
            tx.devices.save(replace(device, last_polled_at=now, interval=interval))
            refusal = SlowDown() if too_soon else AuthorizationPending()
        raise refusal  # after the commit: the poll's time and the interval are kept


def grant_of(device: DeviceAuthorization) -> Grant:
    return Grant(grant_id=device.grant_id, client_id=device.client_id, user_id=device.user_id,
                 sid=device.sid, scopes=device.scopes, nonce="", auth_time=device.auth_time,
                 amr=device.amr, resources=device.resources)
