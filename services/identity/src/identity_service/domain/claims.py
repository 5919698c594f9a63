"""GetUserClaims: the OpenID Connect standard claims a set of scopes grants.

OIDC Core §5.4: `profile` → name, preferred_username, given_name, family_name,
updated_at (seconds since the epoch, §5.1); `email` → email, email_verified. `sub` is
always present. Empty strings are omitted rather than sent as "".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .users import User


def user_claims(user: User, scopes: Sequence[str]) -> dict[str, Any]:
    claims: dict[str, Any] = {"sub": user.id}
    if "profile" in scopes:
        claims.update(name=user.name, preferred_username=user.username, given_name=user.given_name,
                      family_name=user.family_name, updated_at=int(user.updated_at.timestamp()))
    if "email" in scopes and user.email:
        claims.update(email=user.email, email_verified=user.email_verified)
    return {k: v for k, v in claims.items() if v != ""}
