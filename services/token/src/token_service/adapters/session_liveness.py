"""Session liveness by asking SessionService.GetSession for each token with a `sid`.

Fails closed: NOT_FOUND means the session ended; any other failure means we cannot
tell, which is TemporarilyUnavailable, never "alive". A pushed revocation feed is to
replace this per-token call.
"""

from __future__ import annotations

import grpc
from authgate.session.v1 import session_pb2 as pb
from authgate.session.v1 import session_pb2_grpc as pb_grpc
from authgate_common.core.errors import NotFound, OAuthError, TemporarilyUnavailable
from authgate_common.grpc_server import RpcClient


class GrpcSessionLiveness:
    def __init__(self, channel: grpc.Channel, timeout: float) -> None:
        self._rpc = RpcClient(pb_grpc.SessionServiceStub(channel), timeout)

    def is_alive(self, sid: str) -> bool:
        try:
            resp = self._rpc.call("GetSession", pb.GetSessionRequest(sid=sid))
        except NotFound:
            return False
        except TemporarilyUnavailable:
            raise
        except OAuthError as exc:
            if exc.error in ("invalid_token", "invalid_grant", "login_required"):
                return False
            raise TemporarilyUnavailable(detail=f"session check failed: {exc.error}") from exc
        return resp.session.sid == sid
