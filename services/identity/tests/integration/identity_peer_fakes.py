"""Fakes of the services the identity service calls (served over gRPC in the tests)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

from authgate.session.v1 import session_pb2 as ss
from authgate.session.v1 import session_pb2_grpc as ss_grpc
from authgate.token.v1 import token_pb2, token_pb2_grpc
from authgate_common.core.errors import InvalidToken, LoginRequired
from google.protobuf.timestamp_pb2 import Timestamp

SESSION_SECONDS = 3600


@dataclass
class FakeSessionService(ss_grpc.SessionServiceServicer):
    created: list[ss.CreateSessionRequest] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    revoked_users: list[str] = field(default_factory=list)
    # The live sessions by cookie value (ValidateSession, ElevateSession).
    sessions: dict[str, ss.Session] = field(default_factory=dict)
    elevated: list[ss.ElevateSessionRequest] = field(default_factory=list)

    def CreateSession(self, request, context):  # noqa: N802
        self.created.append(request)
        now = int(time.time())
        token = secrets.token_urlsafe(32)
        self.tokens.add(token)
        self.sessions[token] = ss.Session(
            sid=secrets.token_urlsafe(16), user_id=request.user_id, client_ip=request.client_ip,
            user_agent=request.user_agent, amr=list(request.amr), created_at=Timestamp(seconds=now),
            auth_time=Timestamp(seconds=now), expires_at=Timestamp(seconds=now + SESSION_SECONDS))
        return ss.CreateSessionResponse(session_token=token, session=self.sessions[token])

    def ValidateSession(self, request, context):  # noqa: N802
        if request.session_token not in self.sessions:
            raise LoginRequired()
        return ss.ValidateSessionResponse(session=self.sessions[request.session_token])

    def ElevateSession(self, request, context):  # noqa: N802
        session = self.sessions.pop(request.session_token, None)
        if session is None:
            raise LoginRequired()
        self.elevated.append(request)
        token = secrets.token_urlsafe(32)
        session.amr.extend(m for m in request.amr if m not in session.amr)
        session.auth_time.seconds = int(time.time())
        self.sessions[token] = session
        return ss.ElevateSessionResponse(session=session, session_token=token)

    def RevokeUserSessions(self, request, context):  # noqa: N802
        self.revoked_users.append(request.user_id)
        return ss.RevokeUserSessionsResponse()


@dataclass
class FakeTokenService(token_pb2_grpc.TokenServiceServicer):
    """ValidateToken over the tokens a test registers: token -> (client_id, scopes, aud)."""

    tokens: dict[str, tuple[str, list[str], list[str]]] = field(default_factory=dict)

    def add(self, client_id: str, scopes: str, *audiences: str) -> str:
        token = secrets.token_urlsafe(24)
        self.tokens[token] = (client_id, scopes.split(), list(audiences))
        return token

    def ValidateToken(self, request, context):  # noqa: N802
        if request.token not in self.tokens:
            raise InvalidToken()
        client_id, scopes, aud = self.tokens[request.token]
        return token_pb2.ValidateTokenResponse(sub=client_id, client_id=client_id, scopes=scopes, aud=aud)
