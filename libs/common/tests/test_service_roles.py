"""One PostgreSQL role per service (`migrate` with DATABASE_ADMIN_URL, db_roles): each owns
its schema and what is in it, and can neither read nor write another service's."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator

import psycopg
import pytest
from authgate_common.db_roles import libpq_url, provision_service_role, role_url, service_role
from authgate_common.testing import ADMIN_URL, postgres_database, service_role_urls
from session_service.bootstrap import migrate as migrate_session
from session_service.settings import Settings as SessionSettings
from token_service.bootstrap import migrate as migrate_token
from token_service.settings import Settings as TokenSettings


def _token(url: str, admin_url: str | None) -> TokenSettings:
    return TokenSettings(_env_file=None, DATABASE_URL=url, DATABASE_ADMIN_URL=admin_url,  # type: ignore[call-arg]
                         SECRET_KEY=secrets.token_urlsafe(32))


def _session(url: str, admin_url: str | None) -> SessionSettings:
    return SessionSettings(_env_file=None, DATABASE_URL=url, DATABASE_ADMIN_URL=admin_url,  # type: ignore[call-arg]
                           SECRET_KEY=secrets.token_urlsafe(32))


def _owners(admin_url: str, schema: str) -> set[str]:
    """The owners of the schema and of every table, sequence, type and function in it."""
    with psycopg.connect(admin_url) as conn:
        rows = conn.execute(
            "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = %(s)s "
            "UNION SELECT pg_get_userbyid(c.relowner) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %(s)s "
            "UNION SELECT pg_get_userbyid(t.typowner) FROM pg_type t "
            "JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = %(s)s "
            "UNION SELECT pg_get_userbyid(p.proowner) FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %(s)s",
            {"s": schema}).fetchall()
    return {r[0] for r in rows}


@pytest.fixture(scope="module")
def database() -> Iterator[tuple[str, dict[str, str]]]:
    """A database with the session and token services migrated, each as its own role."""
    with postgres_database("roles") as admin_url:
        urls = service_role_urls(admin_url, ["session", "token"])
        migrate_session(_session(urls["session"], admin_url))
        migrate_token(_token(urls["token"], admin_url))
        yield admin_url, urls


def test_each_role_owns_its_schema_and_everything_migrate_created(database) -> None:
    admin_url, _ = database
    assert _owners(admin_url, "token") == {service_role(admin_url, "token")}
    assert _owners(admin_url, "session") == {service_role(admin_url, "session")}


@pytest.mark.parametrize(("role", "statement"), [
    ("session", "SELECT * FROM token.signing_keys"),
    ("session", "CREATE TABLE token.planted (id int)"),
    ("token", "CREATE SCHEMA elsewhere"),
], ids=["session-cannot-read-token-schema", "session-cannot-create-tables-in-token-schema",
        "a-service-role-cannot-create-schemas"])
def test_a_service_role_is_refused_outside_its_own_schema(database, role: str, statement: str) -> None:
    _, urls = database
    with psycopg.connect(libpq_url(urls[role])) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            conn.execute(statement)


def test_its_own_role_reads_and_writes_its_schema(database) -> None:
    _, urls = database
    with psycopg.connect(libpq_url(urls["token"])) as conn:
        conn.execute("INSERT INTO token.revoked_jtis (jti, expires_at, revoked_at) "
                     "VALUES ('j', now(), now())")
        assert conn.execute("SELECT count(*) FROM token.revoked_jtis").fetchone() == (1,)


def test_migrating_again_changes_nothing(database) -> None:
    admin_url, urls = database
    migrate_token(_token(urls["token"], admin_url))
    assert _owners(admin_url, "token") == {service_role(admin_url, "token")}


def test_an_install_of_one_shared_role_is_handed_to_the_service_role() -> None:
    with postgres_database("rolesup") as admin_url:
        migrate_token(_token(admin_url, None))  # before: every service as the administrator
        with psycopg.connect(admin_url) as conn:
            conn.execute("INSERT INTO token.revoked_jtis (jti, expires_at, revoked_at) "
                         "VALUES ('kept', now(), now())")
        own = service_role_urls(admin_url, ["token"])["token"]
        migrate_token(_token(own, admin_url))
        assert _owners(admin_url, "token") == {service_role(admin_url, "token")}
        with psycopg.connect(libpq_url(own)) as conn:
            assert conn.execute("SELECT jti FROM token.revoked_jtis").fetchall() == [("kept",)]


def _at_once(admin_urls: list[str], role: str, schema: str) -> list[Exception]:
    """provision_service_role in each database at the same moment: the errors."""
    barrier, errors = threading.Barrier(len(admin_urls)), []

    def run(admin_url: str) -> None:
        try:
            barrier.wait()
            provision_service_role(admin_url, role_url(admin_url, role, "pw"), schema)
        except Exception as exc:  # noqa: BLE001 - reported by the caller
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(url,)) for url in admin_urls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return errors


def test_one_role_set_up_in_several_databases_at_once_is_created_once() -> None:
    """Roles are cluster-wide and the advisory lock is per database: the CREATE ROLEs race."""
    with postgres_database("rolesrace") as first, postgres_database("rolesrace") as second:
        role = service_role(first, "shared")  # dropped with `first`'s roles
        for schema in ("a", "b", "c"):
            assert _at_once([first, second], role, schema) == []
            assert _owners(first, schema) == _owners(second, schema) == {role}


def test_an_administrator_need_not_be_a_superuser() -> None:
    with postgres_database("rolesadm") as url:
        database = url.rsplit("/", 1)[1]
        admin = f"{database}_admin"  # dropped with the database's other roles
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE ROLE "{admin}" LOGIN CREATEROLE')
            conn.execute(f'ALTER DATABASE "{database}" OWNER TO "{admin}"')
        admin_url = role_url(url, admin, None)
        migrate_token(_token(service_role_urls(url, ["token"])["token"], admin_url))
        assert _owners(url, "token") == {service_role(url, "token")}


@pytest.mark.parametrize(("own", "message"), [
    (lambda url: url, "own role"),
    (lambda url: role_url(url, "someone", None).rsplit("/", 1)[0] + "/postgres", "same database"),
])
def test_a_database_url_that_is_not_the_service_s_own_role_is_refused(own, message) -> None:
    with postgres_database("rolesbad") as admin_url, pytest.raises(RuntimeError, match=message):
        migrate_token(_token(own(admin_url), admin_url))
