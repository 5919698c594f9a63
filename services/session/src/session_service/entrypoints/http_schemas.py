"""Response shapes of the public session routes (also their OpenAPI schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from ..domain.my_sessions import Device

_ERROR = {"application/json": {"schema": {"type": "object", "properties": {
    "error": {"type": "string"}, "error_description": {"type": "string"}}}}}
AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid cookie or bearer token (RFC 6750 §3)", "content": _ERROR},
    403: {"description": "insufficient_scope (bearer lacks `read`) or a cross-site request",
          "content": _ERROR},
    404: {"description": "not_found: no such session of the caller", "content": _ERROR},
}


class DeviceOut(BaseModel):
    sid: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    user_agent: str
    client_ip: str
    current: bool = Field(description="the session this request comes from")

    @classmethod
    def of(cls, d: Device) -> DeviceOut:
        s = d.session
        return cls(sid=s.sid, created_at=s.created_at, last_seen_at=s.last_seen_at,
                   expires_at=s.expires_at, user_agent=s.user_agent, client_ip=s.client_ip,
                   current=d.current)


class DevicesOut(BaseModel):
    sessions: list[DeviceOut]


class LogoutOut(BaseModel):
    revoked_sessions: int
