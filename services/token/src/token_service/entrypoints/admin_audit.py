"""The admin REST API's audit trail: /api/v1/admin/audit (issue 17), a thin shell over
domain/admin/audit.py: the events of all four services, newest first, a page at a time.

Filters (all optional, combined): `type` (login.failure, or a prefix ending in `*`:
admin.user.*), `subject` (the user id the events are about), `since` (inclusive) and
`until` (exclusive) as RFC 3339 times; `limit` events a page, `cursor` from the last page.
If any service's trail cannot be read the answer is 503, never a partial trail. Reading
the trail is not itself audited (like every admin read).
"""

# No `from __future__ import annotations`: FastAPI must see the Annotated dependencies evaluated.
from datetime import UTC, datetime
from typing import Annotated, Any

from authgate_common.admin_http import (
    PAGE_RESPONSES,
    PageCursor,
    PageLimit,
    caller_dependency,
    common_responses,
    page_response,
)
from authgate_common.core.access_tokens import TokenValidator
from authgate_common.core.admin_api import DEFAULT_PAGE, AdminCaller
from authgate_common.core.admin_scope import AUDIT_SCOPE
from authgate_common.problems import ProblemRoute
from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from ..domain.admin.audit import AuditFilter, AuditTrailReader, ServiceEvent

AUDIT_PATH = "/api/v1/admin/audit"
TypeFilter = Annotated[str | None, Query(max_length=64, description="an event type, or a prefix ending in *")]


class AdminAuditEvent(BaseModel):
    id: int  # the row id within its service's trail
    service: str  # identity, session, authorization or token
    time: datetime
    type: str
    actor: str  # a user id, client:<client_id>, operator or system
    subject: str
    client_id: str
    sid: str
    request_id: str
    source_address: str
    details: dict[str, Any]


class AdminAuditPage(BaseModel):
    events: list[AdminAuditEvent]
    next_cursor: str | None = None


def event_json(event: ServiceEvent) -> dict[str, Any]:
    r = event.record
    return AdminAuditEvent(id=r.id, service=event.service, time=r.at, type=r.type, actor=r.actor,
                           subject=r.subject, client_id=r.client_id, sid=r.sid, request_id=r.request_id,
                           source_address=r.source, details=r.details).model_dump(mode="json")


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


ActorFilter = Annotated[str | None, Query(max_length=255, description="who: client:<id>, operator, user id")]
ClientFilter = Annotated[str | None, Query(max_length=255, description="the client involved")]


def admin_audit_router(reader: AuditTrailReader, tokens: TokenValidator, issuer: str) -> APIRouter:
    router = APIRouter(prefix=AUDIT_PATH, tags=["admin: audit"], route_class=ProblemRoute,
                       responses=common_responses(AUDIT_SCOPE, "a service's audit trail"))
    Caller = Annotated[AdminCaller, Depends(caller_dependency(tokens, issuer, AUDIT_SCOPE))]

    @router.get("", summary="The audit trail of every service, newest first, a page at a time",
                response_model=AdminAuditPage,
                responses=PAGE_RESPONSES)
    def list_events(who: Caller,
                    type: TypeFilter = None,  # noqa: A002 - the query parameter's name
                    subject: Annotated[str | None, Query(max_length=255, description="a user id")] = None,
                    actor: ActorFilter = None,
                    client_id: ClientFilter = None,
                    since: Annotated[datetime | None, Query(description="from (RFC 3339)")] = None,
                    until: Annotated[datetime | None, Query(description="before (RFC 3339)")] = None,
                    limit: PageLimit = DEFAULT_PAGE, cursor: PageCursor = None) -> Response:
        page = reader.query(AuditFilter(type=type or "", subject=subject or "", actor=actor or "",
                                        client_id=client_id or "", since=_utc(since),
                                        until=_utc(until), limit=limit, cursor=cursor))
        return page_response(AUDIT_PATH, "events", [event_json(e) for e in page.events], page.next_cursor, {
            "type": type, "subject": subject, "actor": actor, "client_id": client_id,
            "since": since.isoformat() if since else None, "until": until.isoformat() if until else None,
            "limit": limit})

    return router
