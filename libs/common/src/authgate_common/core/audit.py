"""The audit trail's values: an append-only record of who did what, to whom, from where.

Each service keeps its own `audit_events` table in its own schema (no audit service,
no cross-schema read). A use case records an `AuditEvent` through its unit of work, in
the same transaction as the change it records, so the change and its record commit or
roll back together; an event that changes nothing else (a failed login, a minted access
token) gets a short transaction of its own. The table and its writers are
infrastructure (authgate_common.audit_store); `authgate audit` reads the four trails
over gRPC (authgate_common.audit_service) and merges them by time.

Rows never hold a secret: `details` is a small JSON object, and a key naming one
(password, secret, token, code, cookie …) is dropped, never stored.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from .errors import InvalidRequest, OAuthError

log = logging.getLogger(__name__)

OPERATOR = "operator"  # an administrator, through the internal gRPC API (the CLI)
SYSTEM = "system"  # the service itself (a scheduled job)
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
MAX_TEXT, MAX_DETAILS_CHARS = 256, 2048
# A details key containing any of these words names a secret: it is dropped.
SECRET_WORDS = frozenset(
    "password passwd secret secrets token tokens code codes cookie cookies authorization verifier "
    "assertion credential credentials hash key otp".split()
)
_WORD = re.compile(r"[a-z0-9]+")

# The client address of the HTTP request in progress, the default `source` of its rows.
# Set per request by audit_service.SourceAddressMiddleware (every app has it).
current_source: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_source", default=None)


def utc_now() -> datetime:
    return datetime.now(UTC)


def client_actor(client_id: str) -> str:
    return f"client:{client_id}" if client_id else ""


@dataclass(frozen=True)
class AuditEvent:
    """What a use case records; time, request id and (by default) address are added."""

    type: str  # dotted: login.failure, session.revoked, token.issued …
    subject: str = ""  # the user it is about (user id)
    actor: str = ""  # who did it: a user id, client_actor(…), OPERATOR or SYSTEM
    client_id: str = ""
    sid: str = ""
    source: str = ""  # the client address; empty: the current HTTP request's
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: datetime
    type: str
    actor: str
    subject: str
    client_id: str
    sid: str
    request_id: str
    source: str
    details: dict[str, Any]


class AuditTrail(Protocol):
    def record(self, event: AuditEvent) -> None: ...


class HasAudit(Protocol):
    @property
    def audit(self) -> AuditTrail: ...


def _value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple):
        return [_value(v) for v in value[:32]]
    return str(value)[:MAX_TEXT]


def clean_details(details: Mapping[str, Any]) -> dict[str, Any]:
    """Scalars and short lists under keys that name no secret; at most ~2 KB of JSON."""
    clean: dict[str, Any] = {}
    for key, value in details.items():
        name = str(key)[:64]
        if SECRET_WORDS.intersection(_WORD.findall(name.lower())):
            log.warning("audit detail %r dropped: its name suggests a secret", name)
            continue
        clean[name] = _value(value)
    return clean if len(json.dumps(clean)) <= MAX_DETAILS_CHARS else {"truncated": True}


# What a store that could not take a row raises: an OAuthError (the unit of work's
# outage), plus the errors the store's own module registers (audit_store: SQLAlchemy's).
_STORE_ERRORS: list[type[Exception]] = [OAuthError]


def register_store_errors(*errors: type[Exception]) -> None:
    """Called by the infrastructure that writes rows, with the errors its store raises."""
    _STORE_ERRORS.extend(e for e in errors if e not in _STORE_ERRORS)


def unstored(event: AuditEvent, exc: Exception) -> None:
    log.warning(
        "audit event %s (subject %r, sid %r) not stored: %s",
        event.type,
        event.subject,
        event.sid,
        exc.__class__.__name__,
    )


class StandaloneAudit:
    """For an event that changes nothing else: one short transaction through the unit of work.

    Best effort: a store that cannot take the row gets a warning in the log, and the action
    it records (a login attempt, a minted token) goes on. A change's own row is different:
    written in the change's transaction, it stands or falls with the change.
    """

    def __init__(self, uow: Callable[[], AbstractContextManager[HasAudit]]) -> None:
        self._uow = uow

    def record(self, event: AuditEvent) -> None:
        try:
            with self._uow() as tx:
                tx.audit.record(event)
        except tuple(_STORE_ERRORS) as exc:
            unstored(event, exc)


class MemoryAuditTrail:
    """Keeps events in a list (the in-memory fakes of unit tests)."""

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    def record(self, event: AuditEvent) -> None:
        self.events.append(event)

    def types(self) -> list[str]:
        return [e.type for e in self.events]


@dataclass(frozen=True)
class AuditQuery:
    user: str = ""
    since: datetime | None = None
    until: datetime | None = None
    type: str = ""  # exact, or a prefix ending in "*"
    limit: int = DEFAULT_LIMIT
    actor: str = ""
    client_id: str = ""

    def checked(self) -> AuditQuery:
        if len(self.user) > 255 or len(self.type) > 64 or len(self.actor) > 255 or len(self.client_id) > 255:
            raise InvalidRequest("a filter is too long")
        if self.since and self.until and self.since > self.until:
            raise InvalidRequest("since must not be after until")
        limit = DEFAULT_LIMIT if self.limit <= 0 else min(self.limit, MAX_LIMIT)
        return replace(self, limit=limit)
