"""IdentityService over gRPC: the OpenID Connect claims of a user."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import grpc
from authgate.identity.v1 import identity_pb2 as pb
from authgate.identity.v1 import identity_pb2_grpc as pb_grpc
from authgate_common.core.errors import ServerError
from authgate_common.grpc_server import RpcClient


class GrpcIdentityClient:
    def __init__(self, channel: grpc.Channel, timeout: float) -> None:
        self._rpc = RpcClient(pb_grpc.IdentityServiceStub(channel), timeout)

    def user_claims(self, user_id: str, scopes: Sequence[str], claims: Sequence[str] = ()) -> dict[str, Any]:
        resp = self._rpc.call("GetUserClaims", pb.GetUserClaimsRequest(user_id=user_id, scopes=list(scopes),
                                                                       claims=list(claims)))
        try:
            found = json.loads(resp.claims_json or "{}")
        except ValueError as exc:
            raise ServerError(detail="identity returned malformed claims") from exc
        if not isinstance(found, dict):
            raise ServerError(detail="identity returned malformed claims")
        return found
