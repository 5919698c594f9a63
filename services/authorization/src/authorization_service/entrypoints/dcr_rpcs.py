"""CreateInitialAccessToken (operator plane): an initial access token for dynamic client
registration (RFC 7591 §3), returned once — message conversion only (domain/dcr)."""

from __future__ import annotations

from datetime import timedelta

from authgate.authorization.v1 import authorization_pb2 as pb
from authgate_common.core.errors import NotFound

from ..domain.dcr.initial_tokens import InitialTokens


def create_initial_token(tokens: InitialTokens | None,
                         request: pb.CreateInitialAccessTokenRequest) -> pb.CreateInitialAccessTokenResponse:
    if tokens is None:
        raise NotFound("Dynamic client registration is off (DCR_ENABLED).")
    ttl = request.ttl.ToTimedelta() if request.HasField("ttl") else None
    minted = tokens.mint(ttl if ttl != timedelta(0) else None, request.uses)
    response = pb.CreateInitialAccessTokenResponse(token=minted.token)
    response.expires_at.FromDatetime(minted.expires_at)
    return response
