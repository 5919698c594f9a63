"""Fakes of the services the identity service calls (served over gRPC in the tests)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

from authgate.session.v1 import session_pb2 as ss
from authgate.session.v1 import session_pb2_grpc as ss_grpc
from google.protobuf.timestamp_pb2 import Timestamp

SESSION_SECONDS = 3600


@dataclass
class FakeSessionService(ss_grpc.SessionServiceServicer):
    created: list[ss.CreateSessionRequest] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    revoked_users: list[str] = field(default_factory=list)

    def CreateSession(self, request, context):  # noqa: N802
        self.created.append(request)
        now = int(time.time())
        token = secrets.token_urlsafe(32)
        self.tokens.add(token)
        return ss.CreateSessionResponse(session_token=token, session=ss.Session(
            sid=secrets.token_urlsafe(16), user_id=request.user_id, client_ip=request.client_ip,
            user_agent=request.user_agent, amr=list(request.amr), created_at=Timestamp(seconds=now),
            auth_time=Timestamp(seconds=now), expires_at=Timestamp(seconds=now + SESSION_SECONDS)))

    def RevokeUserSessions(self, request, context):  # noqa: N802
        self.revoked_users.append(request.user_id)
        return ss.RevokeUserSessionsResponse()
