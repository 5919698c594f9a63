"""Response shapes of the public session routes (also their OpenAPI schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from authgate_common.openapi import error
from pydantic import BaseModel, Field

from ..domain.my_sessions import Device

AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: error("No valid cookie or bearer token (RFC 6750 §3)"),
    403: error("insufficient_scope (bearer lacks `read`) or a cross-site request"),
    404: error("not_found: no such session of the caller"),
}
# The sign-out page's form: a browser is sent on to return_to (303) instead of reading JSON.
LOGOUT_FORM = {"required": False, "content": {"application/x-www-form-urlencoded": {"schema": {
    "type": "object",
    "properties": {"return_to": {"type": "string", "description": "same-origin path; anything else is /"}},
}}}}


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
