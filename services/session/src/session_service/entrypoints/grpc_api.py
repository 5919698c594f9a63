"""authgate.session.v1.SessionService over gRPC: a thin shell over the session use cases.

Errors are raised as OAuthError; the shared interceptor turns them into
UNAUTHENTICATED (login_required) / NOT_FOUND / INVALID_ARGUMENT / UNAVAILABLE with
the code in trailing metadata.
"""

from __future__ import annotations

from collections.abc import Iterator

import grpc
from authgate.session.v1 import session_pb2 as pb
from authgate.session.v1 import session_pb2_grpc as pb_grpc
from authgate_common.audit_service import ACCESS as AUDIT_ACCESS
from authgate_common.core.audit import OPERATOR
from authgate_common.grpc_access import OPERATOR as OPERATOR_WORKLOAD
from authgate_common.grpc_access import callers
from authgate_common.proto_time import timestamp

from ..domain.context import Deps
from ..domain.create import create_session
from ..domain.elevate import elevate_session
from ..domain.lookup import get_session, list_sessions
from ..domain.model import Session
from ..domain.revoke import revoke_session, revoke_user_sessions
from ..domain.validate import validate_session
from .feed_stream import RevocationStream

SERVICE_NAME = "authgate.session.v1.SessionService"
# Who may call each method (authgate_common.grpc_access; docs/internal-plane.md).
ACCESS = {
    **callers(SERVICE_NAME, {
        "CreateSession": "identity",  # the login page, once the password is verified
        # /authorize reads the SSO cookie; identity too (account pages, step-up)
        "ValidateSession": ("authorization", "identity"),
        "GetSession": "token",  # session liveness when the feed is off
        "ListSessions": OPERATOR_WORKLOAD,
        "RevokeSession": OPERATOR_WORKLOAD,
        # disabling a user ends their sessions; a password change ends the others (keep_sid)
        "RevokeUserSessions": ("identity", OPERATOR_WORKLOAD),
        "ElevateSession": "identity",  # step-up: a second factor after the password
        # The revocation feed: every token replica (validation), and the authorization
        # service (back-channel logout of the clients of an ended session).
        "WatchRevocations": ("token", "authorization"),
    }),
    **AUDIT_ACCESS,
}


def to_proto(s: Session) -> pb.Session:
    return pb.Session(sid=s.sid, user_id=s.user_id, client_ip=s.client_ip, user_agent=s.user_agent,
                      created_at=timestamp(s.created_at), expires_at=timestamp(s.expires_at),
                      auth_time=timestamp(s.auth_time), last_seen_at=timestamp(s.last_seen_at),
                      amr=list(s.amr))


# gRPC method names are fixed by the proto, hence N802 throughout.
class SessionServicer(pb_grpc.SessionServiceServicer):
    def __init__(self, deps: Deps, feed: RevocationStream) -> None:
        self._deps = deps
        self._feed = feed

    def CreateSession(self, request: pb.CreateSessionRequest,  # noqa: N802
                      context: grpc.ServicerContext) -> pb.CreateSessionResponse:
        session, token = create_session(self._deps, request.user_id, request.client_ip,
                                        request.user_agent, list(request.amr))
        return pb.CreateSessionResponse(session=to_proto(session), session_token=token)

    def ValidateSession(self, request: pb.ValidateSessionRequest,  # noqa: N802
                        context: grpc.ServicerContext) -> pb.ValidateSessionResponse:
        return pb.ValidateSessionResponse(
            session=to_proto(validate_session(self._deps, request.session_token)))

    def GetSession(self, request: pb.GetSessionRequest,  # noqa: N802
                   context: grpc.ServicerContext) -> pb.GetSessionResponse:
        return pb.GetSessionResponse(session=to_proto(get_session(self._deps, request.sid)))

    def ListSessions(self, request: pb.ListSessionsRequest,  # noqa: N802
                     context: grpc.ServicerContext) -> pb.ListSessionsResponse:
        return pb.ListSessionsResponse(
            sessions=[to_proto(s) for s in list_sessions(self._deps, request.user_id)])

    def RevokeSession(self, request: pb.RevokeSessionRequest,  # noqa: N802
                      context: grpc.ServicerContext) -> pb.RevokeSessionResponse:
        revoke_session(self._deps, request.sid, request.user_id, actor=OPERATOR)
        return pb.RevokeSessionResponse()

    def RevokeUserSessions(self, request: pb.RevokeUserSessionsRequest,  # noqa: N802
                           context: grpc.ServicerContext) -> pb.RevokeUserSessionsResponse:
        return pb.RevokeUserSessionsResponse(
            sids=revoke_user_sessions(self._deps, request.user_id, keep_sid=request.keep_sid))

    def ElevateSession(self, request: pb.ElevateSessionRequest,  # noqa: N802
                       context: grpc.ServicerContext) -> pb.ElevateSessionResponse:
        session, token = elevate_session(self._deps, request.session_token, list(request.amr))
        return pb.ElevateSessionResponse(session=to_proto(session), session_token=token)

    def WatchRevocations(self, request: pb.WatchRevocationsRequest,  # noqa: N802
                         context: grpc.ServicerContext) -> Iterator[pb.WatchRevocationsResponse]:
        # Each open stream holds one server thread: GRPC_MAX_WORKERS must exceed the
        # number of validators (token-service replicas) by the unary load's share.
        return self._feed.watch(context)


def registrar(deps: Deps, feed: RevocationStream):  # type: ignore[no-untyped-def]
    """The `register` callback for authgate_common's server factory."""

    def register(server: grpc.Server) -> None:
        pb_grpc.add_SessionServiceServicer_to_server(SessionServicer(deps, feed), server)

    return register
