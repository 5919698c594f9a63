"""The device authorizations' storage (adapters/device_repository.py implements it)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from .models import DeviceAuthorization


class DeviceRepository(Protocol):
    def add(self, device: DeviceAuthorization) -> None:
        """Raises AlreadyExists when the user code's hash is taken (the caller draws again)."""
        ...

    def by_device_code(self, device_code_hash: str) -> DeviceAuthorization | None:
        """Locked until the transaction ends (two polls at once apply one after the other)."""
        ...

    def by_user_code(self, user_code_hash: str) -> DeviceAuthorization | None:
        """Locked until the transaction ends, like by_device_code."""
        ...

    def save(self, device: DeviceAuthorization) -> None:
        """Replace the row of this device_code_hash."""
        ...

    def delete_expired(self, before: datetime) -> int: ...
