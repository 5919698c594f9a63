"""Device authorizations in SQL (domain/device/ports.py): rows read FOR UPDATE, so two
polls (or a poll and the person's decision) on one device code apply one after the other."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, insert, select, update
from sqlalchemy.orm import Session

from ..domain.device.models import DeviceAuthorization
from .device_tables import device_authorizations as devices


def _to_device(row: Any) -> DeviceAuthorization:
    return DeviceAuthorization(
        device_code_hash=row["device_code_hash"], user_code_hash=row["user_code_hash"],
        grant_id=row["grant_id"], client_id=row["client_id"], scopes=tuple(row["scopes"].split()),
        resources=tuple(row["resources"] or ()), interval=row["interval"], status=row["status"],
        created_at=row["created_at"], expires_at=row["expires_at"], user_id=row["user_id"],
        sid=row["sid"], auth_time=row["auth_time"], amr=tuple(row["amr"].split()),
        last_polled_at=row["last_polled_at"])


def _values(d: DeviceAuthorization) -> dict[str, Any]:
    return {"user_code_hash": d.user_code_hash, "grant_id": d.grant_id, "client_id": d.client_id,
            "scopes": " ".join(d.scopes), "resources": list(d.resources), "interval": d.interval,
            "status": d.status, "user_id": d.user_id, "sid": d.sid, "auth_time": d.auth_time,
            "amr": " ".join(d.amr), "created_at": d.created_at, "expires_at": d.expires_at,
            "last_polled_at": d.last_polled_at}


class SqlDeviceRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, device: DeviceAuthorization) -> None:
        self._s.execute(insert(devices).values(device_code_hash=device.device_code_hash, **_values(device)))

    def _one(self, condition: Any) -> DeviceAuthorization | None:
        row = self._s.execute(select(devices).where(condition).with_for_update()).mappings().first()
        return _to_device(row) if row is not None else None

    def by_device_code(self, device_code_hash: str) -> DeviceAuthorization | None:
        return self._one(devices.c.device_code_hash == device_code_hash)

    def by_user_code(self, user_code_hash: str) -> DeviceAuthorization | None:
        return self._one(devices.c.user_code_hash == user_code_hash)

    def save(self, device: DeviceAuthorization) -> None:
        self._s.execute(update(devices).where(devices.c.device_code_hash == device.device_code_hash)
                        .values(**_values(device)))

    def delete_expired(self, before: datetime) -> int:
        gone = self._s.execute(delete(devices).where(devices.c.expires_at < before))
        return int(cast(CursorResult[Any], gone).rowcount)
