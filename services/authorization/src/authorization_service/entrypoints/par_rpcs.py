"""PushAuthorizationRequest (RFC 9126 §2), for the token service's PAR endpoint: message
conversion only (domain/par)."""

from __future__ import annotations

from authgate.authorization.v1 import authorization_pb2 as pb
from authgate_common.core.errors import NotFound

from ..domain.par.push import PushAuthorizationRequests

PAR_ACCESS = {"PushAuthorizationRequest": "token"}


def push_request(pusher: PushAuthorizationRequests | None,
                 request: pb.PushAuthorizationRequestRequest) -> pb.PushAuthorizationRequestResponse:
    if pusher is None:
        raise NotFound("Pushed authorization requests are off (PAR_ENABLED).")
    request_uri, expires_in = pusher.push(request.client_id, tuple((p.name, p.value) for p in request.params))
    return pb.PushAuthorizationRequestResponse(request_uri=request_uri, expires_in=expires_in)
