"""CreateUser: who may register, with which password, and what is stored."""

from __future__ import annotations

import pytest
from authgate_common.core.errors import AlreadyExists, InvalidRequest
from identity_fakes import PASSWORD, Core


def test_a_new_user_gets_a_uuid_subject_and_a_bcrypt_hash(core: Core) -> None:
    user = core.user("Alice", name="Alice Liddell")
    stored = core.users.rows[user.id]
    assert len(user.id) == 36 and user.id.count("-") == 4
    assert stored.username == "Alice"  # stored as given
    assert stored.password_hash.startswith("$2b$04$") and PASSWORD not in stored.password_hash
    assert stored.created_at == stored.updated_at and stored.created_at.tzinfo is not None


@pytest.mark.parametrize("twin", ["alice", "ALICE", "Ａｌｉｃｅ"])
def test_usernames_are_unique_whatever_the_case_or_width(core: Core, twin: str) -> None:
    core.user("Alice")
    with pytest.raises(AlreadyExists):
        core.user(twin, email="other@example.com")


def test_emails_are_unique_case_insensitively(core: Core) -> None:
    core.user("alice", email="Alice@Example.com")
    with pytest.raises(AlreadyExists):
        core.user("bob", email="alice@EXAMPLE.COM")


def test_a_password_over_72_bytes_is_refused_not_truncated(core: Core) -> None:
    with pytest.raises(InvalidRequest, match="password longer than 72 bytes"):
        core.user(password="é" * 37)  # 37 characters, 74 UTF-8 bytes
    assert core.users.rows == {}


def test_a_72_byte_password_is_accepted_and_verifies(core: Core) -> None:
    core.user(password="x" * 72)
    assert core.verify("alice", "x" * 72) is not None
    assert core.verify("alice", "x" * 71) is None


@pytest.mark.parametrize(("password", "message"), [
    ("short", "shorter than 8"),
    ("alice", "shorter than 8"),
    ("AliceInWonderland", "must not equal the username"),
    ("pass\x00word-long", "NUL"),
])
def test_password_rules(core: Core, password: str, message: str) -> None:
    username = "aliceinwonderland" if "Wonderland" in password else "alice"
    with pytest.raises(InvalidRequest, match=message):
        core.user(username, password=password)


@pytest.mark.parametrize("username", ["", " alice", "al\x00ice", "al\nice", "ali\u202ece", "a" * 151])
def test_unusable_usernames_are_refused(core: Core, username: str) -> None:
    with pytest.raises(InvalidRequest):
        core.user(username, email="x@example.com")


@pytest.mark.parametrize("email", ["", "alice", "alice@", "@example.com", "a b@example.com",
                                   "alice@localhost", "al\x00ice@example.com"])
def test_unusable_emails_are_refused(core: Core, email: str) -> None:
    with pytest.raises(InvalidRequest):
        core.user("alice", email=email)


def test_display_names_may_not_carry_control_characters(core: Core) -> None:
    with pytest.raises(InvalidRequest):
        core.user(name="Alice\x07")
    assert core.user(name="Zoë 🐇").name == "Zoë 🐇"
