"""One PostgreSQL role per service: it owns the service's schema and can touch no other.

`migrate` with DATABASE_ADMIN_URL set provisions, before the service's own migrations run
as that role (so it owns what they create):
- the role DATABASE_URL names, created if missing (LOGIN, the URL's password, which is
  set again on every run so the URL stays the truth);
- the schema, created `AUTHORIZATION <role>`, or handed to the role together with the
  tables, views, sequences, types and functions in it (an install from before, one
  shared role);
- no access for PUBLIC to the schema, so no other service's role can look in.
All in one transaction under an advisory lock per schema: replicas migrating at once wait;
a migrate in another database changing the same (cluster-wide) role meanwhile is retried.
"""

from __future__ import annotations

import time
import zlib

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

# Relations whose owner is set on their own; indexes, owned sequences and row types follow.
_KINDS = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "f": "FOREIGN TABLE",
          "S": "SEQUENCE"}
_RELATIONS = """
SELECT c.relname, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s AND c.relkind::text = ANY(%s) AND pg_get_userbyid(c.relowner) <> %s"""
# Enums, domains and ranges: not a table's row type (typrelid) nor an array (typelem).
_TYPES = """
SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = %s AND t.typrelid = 0 AND t.typelem = 0 AND pg_get_userbyid(t.typowner) <> %s"""
# Functions (the audit trail's append-only trigger), as a signature ALTER ROUTINE takes.
_ROUTINES = """
SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = %s AND pg_get_userbyid(p.proowner) <> %s"""


_ATTEMPTS = 5


def libpq_url(url: str) -> str:
    """A URL as libpq takes it (no `+driver`, `postgres://` spelled `postgresql://`)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def service_role(url: str, service: str) -> str:
    """The role of `service` in the database `url` names: unique per database, as roles are
    cluster-wide (two installs, or two test sessions, share one PostgreSQL)."""
    database = make_url(url).database
    if not database:
        raise ValueError("DATABASE_URL must name its database (postgresql://user@host:5432/<database>)")
    role = f"{database}_{service}"
    if len(role.encode()) > 63:  # PostgreSQL would cut it short, and the URL's name not sign in
        raise ValueError(f"role name {role!r} is longer than PostgreSQL's 63 bytes: "
                         "use a shorter database name")
    return role


def role_url(url: str, role: str, password: str | None) -> str:
    """`url` (an administrator's) signing in as `role` instead: same host and database."""
    return make_url(url).set(username=role, password=password).render_as_string(hide_password=False)


def provision_service_role(admin_url: str, service_url: str, schema: str) -> None:
    admin, own = make_url(admin_url), make_url(service_url)
    if not own.drivername.startswith("postgres"):
        raise RuntimeError("DATABASE_ADMIN_URL is for PostgreSQL: DATABASE_URL is not a PostgreSQL URL")
    if admin.database != own.database:
        raise RuntimeError("DATABASE_ADMIN_URL and DATABASE_URL must name the same database")
    if not own.username or own.username == admin.username:
        raise RuntimeError("DATABASE_URL must name the service's own role (postgresql://<role>:"
                           "<password>@host/db), not DATABASE_ADMIN_URL's")
    for attempt in range(_ATTEMPTS):
        try:
            return _provision(admin_url, own.username, own.password, schema)
        except (psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation,
                psycopg.errors.InternalError_) as exc:
            # Roles are cluster-wide and the lock is per database: a migrate in another
            # database created or altered the same role meanwhile ("tuple concurrently
            # updated"). The next attempt finds it made.
            if attempt == _ATTEMPTS - 1 or (isinstance(exc, psycopg.errors.InternalError_)
                                            and "concurrently" not in str(exc)):
                raise
            time.sleep(0.05 * (attempt + 1))


def _provision(admin_url: str, role: str, password: str | None, schema: str) -> None:
    with psycopg.connect(libpq_url(admin_url), connect_timeout=10) as conn:  # commits on exit
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (zlib.crc32(f"authgate/role/{schema}".encode()),))
        try:
            _ensure_role(conn, role, password)
            _ensure_schema(conn, schema, role)
        except psycopg.errors.InsufficientPrivilege as exc:
            raise RuntimeError(f"DATABASE_ADMIN_URL's role may not set up role {role!r} and schema "
                               f"{schema!r} (it needs CREATEROLE and CREATE on the database): {exc}") from exc
        conn.execute(sql.SQL("REVOKE ALL ON SCHEMA {} FROM PUBLIC").format(sql.Identifier(schema)))


def _ensure_role(conn: psycopg.Connection, role: str, password: str | None) -> None:
    login = (sql.SQL("LOGIN PASSWORD {}").format(sql.Literal(password)) if password
             else sql.SQL("LOGIN"))
    if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is None:
        conn.execute(sql.SQL("CREATE ROLE {} ").format(sql.Identifier(role)) + login)
    elif password:
        conn.execute(sql.SQL("ALTER ROLE {} WITH ").format(sql.Identifier(role)) + login)
    superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
    if not (superuser and superuser[0]):
        # Giving a schema or table to a role takes membership in it (a managed database's
        # administrator is no superuser).
        conn.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(sql.Identifier(role)))


def _ensure_schema(conn: psycopg.Connection, schema: str, role: str) -> None:
    s, r = sql.Identifier(schema), sql.Identifier(role)
    owner = conn.execute("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = %s",
                         (schema,)).fetchone()
    if owner is None:
        conn.execute(sql.SQL("CREATE SCHEMA {} AUTHORIZATION {}").format(s, r))
        return
    if owner[0] != role:
        conn.execute(sql.SQL("ALTER SCHEMA {} OWNER TO {}").format(s, r))
    # Tables first: a sequence a column owns changes hands with its table, and may not alone.
    for kinds in (["r", "p", "v", "m", "f"], ["S"]):
        for name, kind in conn.execute(_RELATIONS, (schema, kinds, role)).fetchall():
            conn.execute(sql.SQL("ALTER {} {}.{} OWNER TO {}").format(
                sql.SQL(_KINDS[kind]), s, sql.Identifier(name), r))
    for (name,) in conn.execute(_TYPES, (schema, role)).fetchall():
        conn.execute(sql.SQL("ALTER TYPE {}.{} OWNER TO {}").format(s, sql.Identifier(name), r))
    for (signature,) in conn.execute(_ROUTINES, (schema, role)).fetchall():
        # regprocedure's text is already quoted and qualified as SQL needs it.
        conn.execute(sql.SQL("ALTER ROUTINE {} OWNER TO {}").format(sql.SQL(signature), r))
