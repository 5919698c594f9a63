"""SessionService over gRPC: start a session after a login, look a cookie up, elevate a
session after a step-up, end a user's sessions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC

import grpc
from authgate.session.v1 import session_pb2 as pb
from authgate.session.v1 import session_pb2_grpc as pb_grpc
from authgate_common.core.errors import OAuthError, ServerError, TemporarilyUnavailable
from authgate_common.grpc_server import RpcClient

from ..domain.mfa.sessions import LiveSession
from ..domain.ports import StartedSession


def _started(session: pb.Session, token: str, user_id: str = "") -> StartedSession:
    if not token or not session.sid:
        raise ServerError(detail="session service returned no session")
    return StartedSession(sid=session.sid, user_id=session.user_id or user_id, token=token,
                          expires_at=session.expires_at.ToDatetime(tzinfo=UTC))


class GrpcSessions:
    def __init__(self, channel: grpc.Channel, timeout: float) -> None:
        self._rpc = RpcClient(pb_grpc.SessionServiceStub(channel), timeout)

    def create_session(self, user_id: str, client_ip: str, user_agent: str,
                       amr: Sequence[str]) -> StartedSession:
        resp = self._rpc.call("CreateSession", pb.CreateSessionRequest(
            user_id=user_id, client_ip=client_ip, user_agent=user_agent, amr=list(amr)))
        return _started(resp.session, resp.session_token, user_id)

    def validate_session(self, token: str) -> LiveSession | None:
        if not token:
            return None
        try:
            resp = self._rpc.call("ValidateSession", pb.ValidateSessionRequest(session_token=token))
        except OAuthError as err:
            if err.status_code < 500:
                return None  # unknown, expired or revoked: the user signs in again
            raise TemporarilyUnavailable("The session service is unavailable.", detail=str(err)) from err
        s = resp.session
        # A session that does not say when the user authenticated began with a sign-in.
        stamp = s.auth_time if s.HasField("auth_time") else s.created_at if s.HasField("created_at") else None
        return LiveSession(sid=s.sid, user_id=s.user_id, amr=tuple(s.amr), token=token,
                           auth_time=stamp.ToDatetime(tzinfo=UTC) if stamp is not None else None)

    def elevate_session(self, token: str, amr: Sequence[str]) -> StartedSession:
        resp = self._rpc.call("ElevateSession", pb.ElevateSessionRequest(session_token=token, amr=list(amr)))
        return _started(resp.session, resp.session_token)

    def revoke_user_sessions(self, user_id: str, keep_sid: str = "") -> None:
        """End every session of the user but `keep_sid` (a password change keeps its own)."""
        self._rpc.call("RevokeUserSessions", pb.RevokeUserSessionsRequest(user_id=user_id, keep_sid=keep_sid))
