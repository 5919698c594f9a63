"""GetUserClaims: OIDC Core §5.4, the claims each scope grants."""

from __future__ import annotations

from identity_fakes import Core
from identity_service.domain.claims import user_claims


def test_openid_alone_gives_only_sub(core: Core) -> None:
    user = core.user(name="Alice Liddell")
    assert user_claims(user, ["openid"]) == {"sub": user.id}


def test_profile_scope(core: Core) -> None:
    user = core.user(name="Alice Liddell", given_name="Alice", family_name="Liddell")
    claims = user_claims(user, ["openid", "profile"])
    assert claims == {"sub": user.id, "name": "Alice Liddell", "preferred_username": "alice",
                      "given_name": "Alice", "family_name": "Liddell",
                      "updated_at": int(user.updated_at.timestamp())}
    assert "email" not in claims


def test_email_scope(core: Core) -> None:
    user = core.user(email_verified=True)
    assert user_claims(user, ["email"]) == {"sub": user.id, "email": "alice@example.com",
                                            "email_verified": True}
    unverified = core.user("bob")
    assert user_claims(unverified, ["email"])["email_verified"] is False


def test_empty_strings_are_left_out(core: Core) -> None:
    user = core.user()
    claims = user_claims(user, ["profile"])
    assert "name" not in claims and "given_name" not in claims and "family_name" not in claims
    assert claims["preferred_username"] == "alice"
