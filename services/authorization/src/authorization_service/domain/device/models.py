"""A device authorization (RFC 8628 §3.2) as stored: keyed hashes of the device code and
of the normalised user code, never the codes; the person's decision and the last poll."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
PENDING, APPROVED, DENIED, ISSUED = "pending", "approved", "denied", "issued"
# RFC 8628 §3.5: each slow_down adds 5 seconds to the interval.
SLOW_DOWN_STEP = 5


@dataclass(frozen=True)
class DeviceAuthorization:
    device_code_hash: str
    user_code_hash: str
    grant_id: str
    client_id: str
    scopes: tuple[str, ...]
    resources: tuple[str, ...]
    interval: int
    status: str
    created_at: datetime
    expires_at: datetime
    # Filled in when the person approves (the grant the tokens are minted from).
    user_id: str = ""
    sid: str = ""
    auth_time: datetime | None = None
    amr: tuple[str, ...] = ()
    last_polled_at: datetime | None = None


@dataclass(frozen=True)
class StartedAuthorization:
    """RFC 8628 §3.2: what the device is told (the codes only here, never stored)."""

    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_in: int
    interval: int
