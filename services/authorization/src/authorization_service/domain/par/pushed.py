"""Pushed requests as /authorize uses them (RFC 9126 §2.2, §4, §5).

`save` keeps a checked request and names it
`urn:ietf:params:oauth:request_uri:<reference>` (256 random bits; only the keyed hash of the
reference is stored). `take` gives it back once, to the client that pushed it, before it
expires; anything else is invalid_request_uri (an error page, never a redirect: §4 lets the
request be resolved only by the client's own request_uri). `required` says whether a client
may still send its parameters in the query (PAR_REQUIRED, or the client's
require_pushed_authorization_requests, §5).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from authgate_common.core.crypto import keyed_hash, random_token
from authgate_common.core.errors import InvalidRequestUri

from ..models import Client
from ..ports import Clock
from .store import Pairs, PushedRequest, PushedRequestStore
from .tickets import ResumeTickets

URN_PREFIX = "urn:ietf:params:oauth:request_uri:"
MAX_REQUEST_URI_LENGTH = 128


@dataclass(frozen=True)
class PushedAuthorization:
    store: PushedRequestStore
    key: bytes
    clock: Clock
    tickets: ResumeTickets
    ttl_seconds: int = 60
    required_for_all: bool = False  # PAR_REQUIRED

    def required(self, client: Client | None) -> bool:
        return self.required_for_all or bool(client and client.require_pushed_authorization_requests)

    def save(self, client_id: str, pairs: Pairs) -> tuple[str, int]:
        reference = random_token(32)
        now = self.clock.now()
        self.store.add(PushedRequest(keyed_hash(self.key, reference), client_id, pairs,
                                     now + timedelta(seconds=self.ttl_seconds)), now)
        return URN_PREFIX + reference, self.ttl_seconds

    def take(self, request_uri: str, client_id: str) -> Pairs:
        if not request_uri.startswith(URN_PREFIX) or len(request_uri) > MAX_REQUEST_URI_LENGTH:
            raise InvalidRequestUri("The request_uri was not issued by this server.")
        stored = self.store.take(keyed_hash(self.key, request_uri[len(URN_PREFIX):]))
        if stored is None:
            raise InvalidRequestUri("The request_uri is unknown or was already used.")
        if stored.client_id != client_id:
            raise InvalidRequestUri("The request_uri was pushed by another application.")
        if stored.expires_at <= self.clock.now():
            raise InvalidRequestUri("The request_uri has expired.")
        return stored.pairs
