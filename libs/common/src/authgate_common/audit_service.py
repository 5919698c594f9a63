"""Serving one service's audit trail: the gRPC AuditService (authgate.audit.v1), the
retention job that keeps the table within AUDIT_RETENTION_DAYS, and the ASGI middleware
that gives rows written during an HTTP request the caller's address (http.create_app).

Each service's composition root adds it with one call (authgate_common.wiring), which
starts it, registers its servicer, audits refused RPCs and stops it first on close:

    service.audited_by(AuditTrailService(engine, "identity", settings))
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
from authgate.audit.v1 import audit_pb2 as pb
from authgate.audit.v1 import audit_pb2_grpc as pb_grpc
from sqlalchemy import Engine

from .audit_buffer import BufferedAuditLog
from .audit_store import AuditLog
from .core.audit import AuditEvent, AuditQuery, AuditRecord, current_source, utc_now
from .core.client_address import client_address
from .grpc_access import OPERATOR, callers
from .periodic_job import PeriodicJob
from .proto_time import timestamp
from .settings import BaseServiceSettings

SERVICE_NAME = "authgate.audit.v1.AuditService"
# Who may call it (authgate_common.grpc_access): the audit trail is for the operator, and
# for the token service, which answers the admin API's /api/v1/admin/audit from all four.
ACCESS = callers(SERVICE_NAME, {"ListAuditEvents": (OPERATOR, "token")})
log = logging.getLogger(__name__)


def event_message(record: AuditRecord, service: str) -> pb.AuditEvent:
    return pb.AuditEvent(
        id=record.id,
        time=timestamp(record.at),
        type=record.type,
        actor=record.actor,
        subject=record.subject,
        client_id=record.client_id,
        sid=record.sid,
        request_id=record.request_id,
        source_address=record.source,
        details_json=json.dumps(record.details, separators=(",", ":"), sort_keys=True),
        service=service,
    )


def source_of(scope: Mapping[str, Any]) -> str:
    """The caller's address as the gateway vouches for it (core.client_address)."""
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
    client = scope.get("client")
    return client_address(headers.get("x-envoy-external-address"), headers.get("x-forwarded-for"),
                          client[0] if client else None)


class SourceAddressMiddleware:
    """ASGI: makes the caller's address the default `source` of audit rows written inside."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = current_source.set(source_of(scope))
        try:
            await self.app(scope, receive, send)
        finally:
            current_source.reset(token)


class AuditServicer(pb_grpc.AuditServiceServicer):
    def __init__(self, audit_log: AuditLog, service: str) -> None:
        self._log = audit_log
        self._service = service

    def ListAuditEvents(
        self,
        request: pb.ListAuditEventsRequest,  # noqa: N802 - gRPC method name
        context: grpc.ServicerContext,
    ) -> pb.ListAuditEventsResponse:
        query = AuditQuery(
            user=request.user,
            type=request.type,
            limit=request.limit,
            actor=request.actor,
            client_id=request.client_id,
            since=request.since.ToDatetime(UTC) if request.HasField("since") else None,
            until=request.until.ToDatetime(UTC) if request.HasField("until") else None,
        )
        return pb.ListAuditEventsResponse(
            events=[event_message(r, self._service) for r in self._log.query(query)]
        )


class RetentionJob(PeriodicJob):
    """Every interval, delete rows older than the retention (bounded batches, one replica or many)."""

    def __init__(
        self,
        audit_log: AuditLog,
        retention: timedelta,
        interval_seconds: float,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        # A random first delay, so replicas started together do not all prune at once.
        super().__init__("audit-retention", self.run_once, interval_seconds,
                         first_delay_seconds=random.uniform(1, min(60.0, interval_seconds)))  # noqa: S311
        self._log = audit_log
        self._retention = retention
        self._clock = clock

    def run_once(self) -> int:
        deleted = self._log.prune(self._clock() - self._retention)
        if deleted:
            log.info("audit retention: %d row(s) older than %s deleted", deleted, self._retention)
        return deleted


class AuditTrailService:
    """What a service wires: its trail's log, the gRPC servicer and the retention job."""

    def __init__(self, engine: Engine, service: str, settings: BaseServiceSettings,
                 buffered: bool = False) -> None:
        # `buffered`: standalone rows written in batches by a background thread (a hot path).
        self.log = BufferedAuditLog(engine) if buffered else AuditLog(engine)
        self.service = service
        self._job = RetentionJob(
            self.log, timedelta(days=settings.AUDIT_RETENTION_DAYS), settings.AUDIT_PRUNE_INTERVAL_SECONDS
        )

    def register(self, server: grpc.Server) -> None:
        pb_grpc.add_AuditServiceServicer_to_server(AuditServicer(self.log, self.service), server)

    def with_register(self, register: Callable[[grpc.Server], None]) -> Callable[[grpc.Server], None]:
        """The service's own `register` callback, plus the AuditService."""

        def both(server: grpc.Server) -> None:
            register(server)
            self.register(server)

        return both

    def denied(self, method: str, caller: str, plane: str, peer: str) -> None:
        """An internal call the allow-list refused: who (the certificate's workload), what
        and from where (grpc_access.AccessCheck)."""
        self.log.record(AuditEvent(
            type="rpc.denied", actor=f"workload:{caller}" if caller else "unauthenticated",
            source=peer[:64], details={"method": method, "listener": plane}))

    def start(self) -> AuditTrailService:
        self._job.start()
        return self

    def stop(self) -> None:
        self._job.stop()
        self.log.close()
