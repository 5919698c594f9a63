"""The user: an OpenID Connect End-User (OIDC Core §5.1). `id` is the `sub` claim."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .text import email_key, username_key


@dataclass(frozen=True)
class User:
    id: str
    username: str
    email: str
    password_hash: str
    created_at: datetime
    updated_at: datetime
    email_verified: bool = False
    name: str = ""
    given_name: str = ""
    family_name: str = ""
    disabled: bool = False
    # Every sign-in needs a second factor (domain/mfa); without one the user enrols first.
    mfa_required: bool = False
    # Bumped by every change an administrator can see: the admin API's ETag (If-Match).
    version: int = 1
    # Direct roles and groups, sorted (domain/access); attributes: custom claims by name.
    roles: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    attributes: dict[str, Any] = field(default_factory=dict, hash=False)

    @property
    def username_key(self) -> str:
        return username_key(self.username)

    @property
    def email_key(self) -> str:
        return email_key(self.email)
