"""Wiring of pushed authorization requests (RFC 9126) from the settings: None when
PAR_ENABLED is off (then /authorize refuses request_uri and the RPC answers not_found)."""

from __future__ import annotations

from authgate_common.core.crypto import derive_key

from .domain.par.pushed import PushedAuthorization
from .domain.par.store import MemoryPushedRequests, PushedRequestStore
from .domain.par.tickets import ResumeTickets
from .domain.ports import Clock
from .settings import Settings


def pushed_authorization(settings: Settings, clock: Clock,
                         store: PushedRequestStore | None) -> PushedAuthorization | None:
    if not settings.PAR_ENABLED:
        return None
    key = settings.SECRET_KEY
    # A resolved request may wait for a login as long as a fresh-login marker may.
    tickets = ResumeTickets(derive_key(key, "authorization/par-ticket"), settings.LOGIN_MARKER_TTL_SECONDS)
    reference_key = derive_key(key, "authorization/par-request-uri")
    return PushedAuthorization(store or MemoryPushedRequests(), reference_key, clock, tickets,
                               settings.PAR_REQUEST_TTL_SECONDS, settings.PAR_REQUIRED)
