"""The other services' audit trails over gRPC (authgate.audit.v1.AuditService/ListAuditEvents
on their internal port; the allow-list lets `token` call it), read for the admin API's
/api/v1/admin/audit (domain/admin/audit.py)."""

from __future__ import annotations

import json
from datetime import UTC

import grpc
from authgate.audit.v1 import audit_pb2 as pb
from authgate.audit.v1 import audit_pb2_grpc as pb_grpc
from authgate_common.core.audit import AuditQuery, AuditRecord
from authgate_common.grpc_server import RpcClient
from authgate_common.proto_time import timestamp


def _record(event: pb.AuditEvent) -> AuditRecord:
    try:
        details = json.loads(event.details_json or "{}")
    except ValueError:
        details = {}
    return AuditRecord(id=event.id, at=event.time.ToDatetime(UTC), type=event.type, actor=event.actor,
                       subject=event.subject, client_id=event.client_id, sid=event.sid,
                       request_id=event.request_id, source=event.source_address,
                       details=details if isinstance(details, dict) else {})


class GrpcAuditSource:
    def __init__(self, channel: grpc.Channel, timeout: float) -> None:
        self._rpc = RpcClient(pb_grpc.AuditServiceStub(channel), timeout)

    def query(self, query: AuditQuery) -> list[AuditRecord]:
        request = pb.ListAuditEventsRequest(user=query.user, type=query.type, limit=query.limit,
                                           actor=query.actor, client_id=query.client_id)
        if query.since is not None:
            request.since.CopyFrom(timestamp(query.since))
        if query.until is not None:
            request.until.CopyFrom(timestamp(query.until))
        # Errors come back as OAuthError (RpcClient); the reader makes any of them a 503.
        return [_record(e) for e in self._rpc.call("ListAuditEvents", request).events]
