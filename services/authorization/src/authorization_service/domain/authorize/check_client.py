"""Step 2 — RFC 6749 §4.1.2.1: a missing or unknown client_id is shown to the user and
never redirected: without a client there is no registered URI to trust."""

from __future__ import annotations

from authgate_common.core.errors import InvalidClient, InvalidRequest

from .context import AuthorizeContext, AuthorizeDeps, Outcome

MAX_CLIENT_ID_LENGTH = 128


def check_client(ctx: AuthorizeContext, deps: AuthorizeDeps) -> Outcome | None:
    client_id = ctx.param("client_id")
    if not client_id:
        raise InvalidRequest("The request has no client_id.")
    client = deps.clients.find(client_id) if len(client_id) <= MAX_CLIENT_ID_LENGTH else None
    if client is None:
        raise InvalidClient("No application is registered under this client_id.")
    ctx.client = client
    return None
