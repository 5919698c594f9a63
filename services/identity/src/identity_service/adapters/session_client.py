"""SessionService over gRPC: start a session after a login, end a disabled user's sessions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC

import grpc
from authgate.session.v1 import session_pb2 as pb
from authgate.session.v1 import session_pb2_grpc as pb_grpc
from authgate_common.core.errors import ServerError
from authgate_common.grpc_server import RpcClient

from ..domain.ports import StartedSession


class GrpcSessions:
    def __init__(self, channel: grpc.Channel, timeout: float) -> None:
        self._rpc = RpcClient(pb_grpc.SessionServiceStub(channel), timeout)

    def create_session(self, user_id: str, client_ip: str, user_agent: str,
                       amr: Sequence[str]) -> StartedSession:
        resp = self._rpc.call("CreateSession", pb.CreateSessionRequest(
            user_id=user_id, client_ip=client_ip, user_agent=user_agent, amr=list(amr)))
        if not resp.session_token or not resp.session.sid:
            raise ServerError(detail="session service returned no session")
        return StartedSession(sid=resp.session.sid, user_id=resp.session.user_id or user_id,
                              token=resp.session_token,
                              expires_at=resp.session.expires_at.ToDatetime(tzinfo=UTC))

    def revoke_user_sessions(self, user_id: str) -> None:
        self._rpc.call("RevokeUserSessions", pb.RevokeUserSessionsRequest(user_id=user_id))
