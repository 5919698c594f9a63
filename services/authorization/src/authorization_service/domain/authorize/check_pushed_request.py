"""Step 1b — RFC 9126 §4: a pushed authorization request. With `request_uri` (and the
`client_id` that pushed it) the stored parameters replace the query: everything else the
query carries is ignored. The request_uri is used once: should the browser need to sign in
first, it comes back with a signed ticket of the same parameters (par/tickets.py), the
return_to this step sets. A client that must push (PAR_REQUIRED, or registered with
require_pushed_authorization_requests, §5) is refused without either.

Errors here come before the redirect URI is verified, so they are always a page.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import replace

from authgate_common.core.errors import InvalidRequest, InvalidRequestUri

from ..par.store import Pairs
from ..par.tickets import TICKET_PARAM
from .check_no_duplicate_params import check_no_duplicate_params
from .context import AuthorizeContext, AuthorizeDeps, Outcome
from .login_marker import MARKER_PARAM


def check_pushed_request(ctx: AuthorizeContext, deps: AuthorizeDeps) -> Outcome | None:
    par = deps.pushed
    request_uri, ticket, client_id = ctx.param("request_uri"), ctx.param(TICKET_PARAM), ctx.param("client_id")
    if par is None:
        if request_uri or ticket:
            raise InvalidRequest("Pushed authorization requests are not enabled.")
        return None
    if not request_uri and not ticket:
        if client_id and par.required(deps.clients.find(client_id)):
            raise InvalidRequest("This application must push its authorization requests (RFC 9126).")
        return None
    if not client_id:
        raise InvalidRequest("The request has no client_id.")
    now = deps.clock.now()
    path = ctx.request.return_to.split("?", 1)[0]
    if request_uri:
        pairs = par.take(request_uri, client_id)
        ticket = par.tickets.make(client_id, pairs, now)
        resume = urllib.parse.urlencode({"client_id": client_id, TICKET_PARAM: ticket})
        return_to = f"{path}?{resume}"
    else:
        opened = par.tickets.open(ticket, client_id, now)
        if opened is None:
            raise InvalidRequestUri("The pushed request has expired; start again.")
        pairs, return_to = opened, ctx.request.return_to
    marker = ctx.param(MARKER_PARAM)  # ours, set on the way back from a fresh login
    resolved: Pairs = tuple(p for p in pairs if p[0] != MARKER_PARAM)
    if marker:
        resolved += ((MARKER_PARAM, marker),)
    ctx.request = replace(ctx.request, pairs=resolved, return_to=return_to)
    ctx.params.clear()
    return check_no_duplicate_params(ctx, deps)
