"""Fakes of the services the authorization service calls (served over gRPC in the tests)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

from authgate.session.v1 import session_pb2 as ss
from authgate.session.v1 import session_pb2_grpc as ss_grpc
from authgate_common.core.errors import LoginRequired
from google.protobuf.timestamp_pb2 import Timestamp


@dataclass
class FakeSessionService(ss_grpc.SessionServiceServicer):
    sessions: dict[str, ss.Session] = field(default_factory=dict)

    def ValidateSession(self, request, context):  # noqa: N802
        session = self.sessions.get(request.session_token)
        if session is None:
            raise LoginRequired("session is not valid")
        return ss.ValidateSessionResponse(session=session)

    def sign_in(self, user_id: str = "user-1") -> tuple[str, ss.Session]:
        token = secrets.token_urlsafe(32)
        session = ss.Session(sid="sid-" + secrets.token_hex(8), user_id=user_id, amr=["pwd"],
                             auth_time=Timestamp(seconds=int(time.time()) - 5))
        self.sessions[token] = session
        return token, session
