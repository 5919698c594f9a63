"""The admin users API's bodies (pydantic, so /docs shows them) and their OpenAPI entries
(the shared ones: authgate_common.admin_http)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from authgate_common.admin_http import Strict, common_responses, etag_header, precondition
from authgate_common.core.admin_scope import USERS_SCOPE
from authgate_common.problems import problem
from pydantic import BaseModel

from ..domain.users import User


class AdminUser(BaseModel):
    id: str
    username: str
    email: str
    email_verified: bool
    name: str
    given_name: str
    family_name: str
    disabled: bool
    created_at: datetime
    updated_at: datetime
    roles: list[str] = []
    groups: list[str] = []
    attributes: dict[str, Any] = {}
    mfa_required: bool = False


class AdminUserPage(BaseModel):
    users: list[AdminUser]
    next_cursor: str | None = None


class AdminUserCreate(Strict):
    username: str
    email: str
    password: str
    name: str = ""
    given_name: str = ""
    family_name: str = ""
    email_verified: bool = False


class AdminUserPatch(Strict):
    """A JSON merge patch (RFC 7396): a field sent changes, null empties a name field."""

    email: str | None = None
    email_verified: bool | None = None
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    mfa_required: bool | None = None


class AdminUserAccess(Strict):
    """A member sent replaces that part of the user's access; one left out stays as it is."""

    roles: list[str] | None = None
    groups: list[str] | None = None
    attributes: dict[str, Any] | None = None


class AdminPassword(Strict):
    password: str


def user_json(user: User) -> dict[str, Any]:
    return AdminUser(id=user.id, username=user.username, email=user.email,
                     email_verified=user.email_verified, name=user.name, given_name=user.given_name,
                     family_name=user.family_name, disabled=user.disabled, created_at=user.created_at,
                     updated_at=user.updated_at, roles=list(user.roles), groups=list(user.groups),
                     attributes=user.attributes, mfa_required=user.mfa_required).model_dump(mode="json")


ETAG_HEADER = etag_header("user")
COMMON_RESPONSES = common_responses(USERS_SCOPE, "the token or session service")
NOT_FOUND = problem("not_found: no such user")
PRECONDITION = precondition("user")
