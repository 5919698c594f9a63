"""Scenario 9, growth: does validation or /token get dearer as the stores fill up?

The same stack is measured at two sizes, alternated A B A B:

- small: 1,000 sessions (100 of them revoked) and 1,000 refresh-token rows;
- large: 1,000,000 sessions (100,000 of them revoked within the revocation window) and
  1,000,000 refresh-token rows (100,000 families of ten, nine of them used).

Rows are written straight into the session and token schemas with `generate_series`
(through the APIs a million logins would take hours of bcrypt on two cores); they are
shaped like the services' own rows, and tagged `growth-` so that switching sizes deletes
exactly them. After every switch the token replicas are restarted, so their revocation
feed starts from the record's snapshot of the current size (100,000 revoked sessions
arrive in chunks), and `VACUUM (ANALYZE)` leaves the tables as a database in steady state
has them: the planner knows the new sizes, and autovacuum has nothing left to do with the
million rows just deleted or written (it did it during the measures otherwise, on the
same two cores: the large size came out 10–22% dearer even for client_credentials, which
reads none of these tables).

Each run measures, at the current size: `ValidateToken` over gRPC (16 in flight, the
revocation check on), client_credentials at /token through Envoy, and the refresh grant
(a lookup by token hash and a write in the 1,000,000-row table). Cost = CPU ms per
request of the measured processes; the target is the large size within 10% of the small.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import psycopg
from authgate_devstack.stack import Stack
from load import machine_busy

SIZES = {"small": {"sessions": 1_000, "revoked": 100, "refresh_rows": 1_000},
         "large": {"sessions": 1_000_000, "revoked": 100_000, "refresh_rows": 1_000_000}}
TOKENS_PER_FAMILY = 10


def _conninfo(db_url: str) -> str:
    return db_url.replace("postgresql+psycopg://", "postgresql://", 1)


TABLES = ("session.sessions", "token.refresh_families", "token.refresh_tokens")


def unseed(db_url: str) -> None:
    with psycopg.connect(_conninfo(db_url), autocommit=True) as conn:
        conn.execute("DELETE FROM session.sessions WHERE sid LIKE 'growth-%'")
        conn.execute("DELETE FROM token.refresh_tokens WHERE family_id LIKE 'growth-%'")
        conn.execute("DELETE FROM token.refresh_families WHERE family_id LIKE 'growth-%'")


def seed(db_url: str, sessions: int, revoked: int, refresh_rows: int) -> float:
    """Replace the growth rows with the given numbers; returns the seconds it took."""
    t0 = time.monotonic()
    unseed(db_url)
    families = max(1, refresh_rows // TOKENS_PER_FAMILY)
    with psycopg.connect(_conninfo(db_url), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO session.sessions (sid, token_hash, user_id, client_ip, user_agent, amr,"
            " created_at, auth_time, expires_at, last_seen_at, revoked_at, revoked_reason)"
            " SELECT 'growth-' || i, md5('growth-a' || i) || md5('growth-b' || i),"
            " 'growth-user-' || mod(i, 250000), '198.51.100.7', 'growth bench', '[\"pwd\"]',"
            " now() - interval '1 hour', now() - interval '1 hour', now() + interval '7 hours',"
            " now() - mod(i, 600) * interval '1 second',"
            " CASE WHEN i <= %(revoked)s THEN now() - mod(i, 300) * interval '1 second' END,"
            " CASE WHEN i <= %(revoked)s THEN 'logout' END"
            " FROM generate_series(1, %(n)s) AS i",
            {"n": sessions, "revoked": revoked})
        conn.execute(
            "INSERT INTO token.refresh_families (family_id, client_id, user_id, sid, grant_id,"
            " auth_time, created_at)"
            " SELECT 'growth-' || i, 'growth-client', 'growth-user-' || mod(i, 250000), 'growth-' || i,"
            " 'growth-grant-' || i, extract(epoch FROM now())::bigint - 3600, now() - interval '1 hour'"
            " FROM generate_series(1, %(n)s) AS i",
            {"n": families})
        conn.execute(
            "INSERT INTO token.refresh_tokens (token_hash, family_id, parent_hash, client_id, user_id,"
            " sid, scopes, created_at, expires_at, used_at)"
            " SELECT md5('growth-rt-a' || i) || md5('growth-rt-b' || i),"
            " 'growth-' || (1 + mod(i, %(f)s)), NULL, 'growth-client', 'growth-user-' || mod(i, 250000),"
            " 'growth-' || (1 + mod(i, %(f)s)), 'openid read', now() - interval '1 hour',"
            " now() + interval '30 days', CASE WHEN i > %(f)s THEN now() END"
            " FROM generate_series(1, %(n)s) AS i",
            {"n": refresh_rows, "f": families})
        for table in TABLES:
            conn.execute(f"VACUUM (ANALYZE) {table}")
    return time.monotonic() - t0


def validates(stack: Stack, replica: int, token: str) -> bool:
    import grpc
    from authgate.token.v1 import token_pb2, token_pb2_grpc

    with stack.channel("token", workload="validator", replica=replica) as channel:
        try:
            token_pb2_grpc.TokenServiceStub(channel).ValidateToken(
                token_pb2.ValidateTokenRequest(token=token), timeout=5)
            return True
        except grpc.RpcError:
            return False


def restart_token_replicas(stack: Stack, token: str, timeout: float = 300) -> float:
    """Restart every token replica, then wait until each one validates `token` again (its
    revocation feed has the record's snapshot); returns the seconds that took."""
    t0 = time.monotonic()
    replicas = range(len(stack.ports.grpc["token"]))
    for replica in replicas:
        stack.stop_process(Stack.process_name("token", replica))
        stack.start_service("token", replica)
    stack.wait_ready(120)
    while not all(validates(stack, r, token) for r in replicas):
        if time.monotonic() - t0 > timeout:
            raise TimeoutError(f"token replicas not validating {timeout:.0f} s after a restart")
        time.sleep(0.5)
    return time.monotonic() - t0


def settle(quiet_cores: float = 0.25, timeout: float = 30) -> float:
    """Wait until the machine is nearly idle (the replicas done loading their snapshot,
    PostgreSQL done with what the seeding left it): a measure started at once counted that
    work as the first size's cost. Returns the seconds waited (`timeout` at most)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        before = machine_busy()
        time.sleep(1)
        if machine_busy() - before < quiet_cores:
            break
    return time.monotonic() - t0


def run(db_url: str, stack: Stack, token: str, measures: dict[str, Callable[[], dict[str, Any]]],
        rounds: int, log: Callable[[str], None]) -> dict[str, list[dict[str, Any]]]:
    """A B A B over the two sizes; each run holds every measure's figures at that size."""
    out: dict[str, list[dict[str, Any]]] = {label: [] for label in SIZES}
    try:
        for r in range(rounds):
            for label, size in SIZES.items():
                seeded = seed(db_url, **size)
                ready = restart_token_replicas(stack, token)
                quiet = settle()
                log(f"growth {label}: seeded {size} in {seeded:.1f} s, token replicas validating again in "
                    f"{ready:.1f} s, machine quiet after {quiet:.1f} s more")
                figures: dict[str, Any] = {"seed_seconds": seeded, "restart_seconds": ready, **size}
                for name, measure in measures.items():
                    figures[name] = measure()
                    log(f"growth round {r + 1} {label} {name}: " + ", ".join(
                        f"{k}={v:.2f}" for k, v in figures[name].items()
                        if k in ("rps", "p50_ms", "p99_ms", "cpu_ms_per_req", "errors")))
                out[label].append(figures)
    finally:
        unseed(db_url)
    return out
