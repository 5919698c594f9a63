"""The users table on real PostgreSQL (and the embedded SQLite default): the unique
indexes hold even when the use case's own check is bypassed, as by a racing request."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime

import pytest
from authgate_common.core.errors import AlreadyExists
from authgate_common.db import make_engine
from identity_service.adapters.user_repository import SqlUserUnitOfWork
from identity_service.bootstrap import SCHEMA, build, migrate
from identity_service.domain.create_user import NewUser
from identity_service.domain.users import User
from identity_service.settings import Settings
from sqlalchemy import text


def _user(username: str, email: str) -> User:
    now = datetime.now(UTC)
    return User(id=str(uuid.uuid4()), username=username, email=email, password_hash="$2b$04$x",
                created_at=now, updated_at=now)


@pytest.fixture
def uow(harness, database_url: str):  # harness: migrations applied
    engine = make_engine(database_url, SCHEMA)
    yield SqlUserUnitOfWork(engine)
    engine.dispose()


def test_usernames_differing_only_in_case_collide_in_the_index(uow) -> None:
    tag = uuid.uuid4().hex[:8]
    with uow() as users:
        users.add(_user(f"Carol{tag}", f"carol{tag}@example.com"))
    with pytest.raises(AlreadyExists), uow() as users:
        users.add(_user(f"CAROL{tag}", f"other{tag}@example.com"))
    with pytest.raises(AlreadyExists), uow() as users:
        users.add(_user(f"dave{tag}", f"Carol{tag}@EXAMPLE.com"))


def test_a_failed_unit_of_work_stores_nothing(uow) -> None:
    tag = uuid.uuid4().hex[:8]
    with pytest.raises(AlreadyExists), uow() as users:
        users.add(_user(f"erin{tag}", f"erin{tag}@example.com"))
        users.add(_user(f"ERIN{tag}", f"erin2{tag}@example.com"))
    with uow() as users:
        assert users.get_by_username_key(f"erin{tag}") is None


def test_users_live_in_the_identity_schema_with_aware_timestamps(uow, database_url: str) -> None:
    tag = uuid.uuid4().hex[:8]
    user = _user(f"frank{tag}", f"frank{tag}@example.com")
    with uow() as users:
        users.add(user)
    with uow() as users:
        found = users.get(user.id)
    assert found == user and found is not None and found.created_at.tzinfo is not None
    engine = make_engine(database_url, "public")
    with engine.connect() as conn:
        schema = conn.execute(text("SELECT table_schema FROM information_schema.tables "
                                   "WHERE table_name = 'users'")).scalar_one()
    engine.dispose()
    assert schema == "identity"


def test_the_embedded_sqlite_default_works_end_to_end(tmp_path) -> None:
    settings = Settings(_env_file=None, GRPC_INSECURE_PLAINTEXT=True, VAR_DIR=str(tmp_path), BCRYPT_ROUNDS=4,  # type: ignore[call-arg]
                        SECRET_KEY=secrets.token_urlsafe(32))
    migrate(settings)
    engine = make_engine(None, SCHEMA, str(tmp_path))
    service = build(settings, uow=SqlUserUnitOfWork(engine), sessions=None)  # type: ignore[arg-type]
    created = service.use_cases.create_user(NewUser("Grace", "grace@example.com", "correct horse"))
    assert service.use_cases.verify_password("GRACE", "correct horse") == created
    with pytest.raises(AlreadyExists):
        service.use_cases.create_user(NewUser("grace", "g2@example.com", "correct horse"))
    engine.dispose()
    assert (tmp_path / "identity.db").exists()
