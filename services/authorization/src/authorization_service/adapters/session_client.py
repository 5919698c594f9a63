"""SessionService.ValidateSession over gRPC, as the core's SessionLookup port."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
from authgate.session.v1 import session_pb2 as pb
from authgate.session.v1 import session_pb2_grpc as pb_grpc
from authgate_common.core.errors import OAuthError, TemporarilyUnavailable
from authgate_common.grpc_server import RpcClient

from ..domain.models import SessionInfo


class GrpcSessionLookup:
    def __init__(self, channel: grpc.Channel, timeout: float) -> None:
        self._rpc = RpcClient(pb_grpc.SessionServiceStub(channel), timeout)

    def validate(self, session_token: str) -> SessionInfo | None:
        try:
            resp = self._rpc.call("ValidateSession", pb.ValidateSessionRequest(session_token=session_token))
        except OAuthError as err:
            if err.status_code < 500:
                return None  # unknown, expired or revoked: the user signs in again
            # Any server-side failure there means we cannot tell: fail closed with 503.
            raise TemporarilyUnavailable("The session service is unavailable.", detail=str(err)) from err
        s = resp.session
        # auth_time is when the user last authenticated; a session that does not say
        # began with an authentication, so its creation time is the honest fallback.
        stamp = s.auth_time if s.HasField("auth_time") else s.created_at if s.HasField("created_at") else None
        auth_time = datetime.fromtimestamp(stamp.seconds, UTC) if stamp is not None else None
        return SessionInfo(sid=s.sid, user_id=s.user_id, auth_time=auth_time, amr=tuple(s.amr))

