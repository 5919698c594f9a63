"""`authgate audit`: the audit trail of all four services, merged by time.

Each service keeps its own append-only trail and serves it over gRPC
(authgate.audit.v1.AuditService); this command asks identity, session, authorization
and token at once and prints their events oldest first. `--user` takes a user id or a
username (resolved through the identity service); `--since`/`--until` take an ISO date
or time (UTC unless it says otherwise) or an age such as 90m, 24h or 7d; `--type` an
event type (login.failure) or a prefix ending in `*` (token.*). If a service cannot be
reached, the others' events are still printed and the exit code is 2.
"""

from __future__ import annotations

import argparse
import json
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from authgate.audit.v1 import audit_pb2, audit_pb2_grpc
from authgate.identity.v1 import identity_pb2
from authgate_common.core.errors import InvalidRequest, OAuthError
from authgate_common.proto_time import timestamp

from .context import Context
from .errors import CliFailure
from .output import message_dict
from .parsers import command
from .rpc import ServiceClient

COLUMNS = ["time", "service", "type", "actor", "client_id", "sid", "request_id", "source_address", "details"]
_AGE = re.compile(r"^(\d+)([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def when(value: str, now: datetime | None = None) -> datetime:
    """An ISO date/time (naive means UTC) or an age before now (24h, 7d …)."""
    age = _AGE.match(value.strip())
    if age:
        return (now or datetime.now(UTC)) - timedelta(**{_UNITS[age[2]]: int(age[1])})
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidRequest(f"not a date, time or age (like 2026-11-01 or 24h): {value!r}") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _limit(value: str) -> int:
    number = int(value) if value.isdigit() else 0
    if not 1 <= number <= 1000:
        raise argparse.ArgumentTypeError("must be a whole number from 1 to 1000")
    return number


def user_id_of(ctx: Context, user: str) -> str:
    try:
        return str(uuid.UUID(user))
    except ValueError:
        return ctx.identity.call("GetUser", identity_pb2.GetUserRequest(username=user)).user.id


def event_dict(event: audit_pb2.AuditEvent) -> dict[str, Any]:
    fields = message_dict(
        event, "time", "service", "type", "actor", "subject", "client_id", "sid", "request_id",
        "source_address",
    )
    return {**fields, "details": json.loads(event.details_json or "{}")}


def _ask(client: ServiceClient, request: audit_pb2.ListAuditEventsRequest) -> list[audit_pb2.AuditEvent]:
    try:
        return list(client.call("ListAuditEvents", request).events)
    finally:
        client.close()


def show(args: argparse.Namespace, ctx: Context) -> int:
    request = audit_pb2.ListAuditEventsRequest(type=args.type or "", limit=args.limit,
                                               actor=args.actor or "", client_id=args.client or "")
    if args.user:
        request.user = user_id_of(ctx, args.user)
    if args.since:
        request.since.CopyFrom(timestamp(when(args.since)))
    if args.until:
        request.until.CopyFrom(timestamp(when(args.until)))
    services = [
        c.sibling(audit_pb2_grpc.AuditServiceStub)
        for c in (ctx.identity, ctx.session, ctx.authorization, ctx.token)
    ]
    with ThreadPoolExecutor(len(services)) as pool:
        pending = [pool.submit(_ask, client, request) for client in services]
    events: list[audit_pb2.AuditEvent] = []
    failures: list[CliFailure | OAuthError] = []
    for future in pending:
        try:
            events += future.result()
        except (CliFailure, OAuthError) as exc:
            failures.append(exc)
    if failures and len(failures) == len(services):
        raise failures[0]
    events.sort(key=lambda e: (e.time.seconds, e.time.nanos, e.service, e.id))
    rows = [event_dict(e) for e in events[-args.limit :]]
    if ctx.out.as_json:
        ctx.out.table(rows, COLUMNS)
    else:
        ctx.out.table([{**r, "details": json.dumps(r["details"], sort_keys=True)} for r in rows], COLUMNS)
    for failure in failures:  # what could not be asked: the trail shown is incomplete
        if isinstance(failure, OAuthError):
            ctx.out.error(failure.error, failure.description)
        else:
            ctx.out.error(failure.error, f"{failure} (its events are missing)")
    return 2 if failures else 0


def register(groups: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = command(groups, common, "audit", show,
                     help="what happened: the audit trail of every service, merged by time",
                     description=__doc__,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--user", metavar="USER", help="user id or username the events are about")
    parser.add_argument("--since", metavar="WHEN", help="from: 2026-11-01, 2026-11-01T08:00Z, 24h, 7d")
    parser.add_argument("--until", metavar="WHEN", help="before this time (same forms as --since)")
    parser.add_argument("--type", metavar="TYPE", help="event type (login.failure) or prefix* (token.*)")
    parser.add_argument("--actor", metavar="ACTOR", help="who did it: client:<id>, operator, a user id")
    parser.add_argument("--client", metavar="CLIENT_ID", help="the client involved")
    parser.add_argument("--limit", type=_limit, default=100, help="at most this many (default 100, max 1000)")
