"""A resolved pushed request carried across the login round trip (RFC 9126 §4, §7.3).

The request_uri is used once, when /authorize first sees it. When the browser must sign in
first, it comes back to /authorize with a signed ticket instead (`par_ticket`, see
..signed): the pushed parameters, the client and when they were resolved, so the return
needs no request_uri and no parameter from the query. The browser can read the ticket but
not change it; it is bound to the client and valid as long as a login may take.
"""

from __future__ import annotations

from datetime import datetime

from ..signed import Signer
from .store import Pairs

TICKET_PARAM = "par_ticket"


class ResumeTickets:
    def __init__(self, key: bytes, ttl_seconds: int) -> None:
        self._signer = Signer(key)
        self._ttl = ttl_seconds

    def make(self, client_id: str, pairs: Pairs, now: datetime) -> str:
        return self._signer.sign({"c": client_id, "p": [list(p) for p in pairs], "t": int(now.timestamp())})

    def open(self, ticket: str, client_id: str, now: datetime) -> Pairs | None:
        """The pushed parameters when the ticket is ours, this client's and not expired."""
        data = self._signer.verify(ticket)
        if data is None or data.get("c") != client_id or not isinstance(data.get("t"), int):
            return None
        if not -30 <= now.timestamp() - data["t"] <= self._ttl:
            return None
        raw = data.get("p")
        if not isinstance(raw, list) or not all(
                isinstance(p, list) and len(p) == 2 and all(isinstance(v, str) for v in p) for p in raw):
            return None
        return tuple((p[0], p[1]) for p in raw)
