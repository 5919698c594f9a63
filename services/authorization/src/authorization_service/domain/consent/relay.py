"""Relaying outbox messages to the service that acts on them (transactional outbox).

A withdrawn consent (`consent.withdrawn`, written by ConsentBook.withdraw in the same
transaction) becomes TokenService.RevokeClientTokens(user_id, client_id): the client's
refresh tokens for that user stop working (OIDC Core §3.1.2.4 leaves how to the OP).
A deleted client (`client.deleted`, written by ClientRegistry.delete in the same
transaction) becomes RevokeClientTokens("", client_id): every token the client holds, of
every user and its own client_credentials ones, is refused from then on.

Each round claims due messages in one short transaction (the claim hides them from other
replicas for a lease longer than a call can take), calls with nothing held open, then
records the result: delivered, or tried again after an exponentially growing wait
(capped). A withdrawal is never dropped: it is retried until the token service takes it,
which is safe because RevokeClientTokens is idempotent. Should a replica die mid-call,
its lease runs out and another replica delivers the message again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from authgate_common.core.errors import InvalidRequest, OAuthError

from ..models import OutboxMessage
from ..ports import Clock, UnitOfWork
from .book import WITHDRAWN_TOPIC

log = logging.getLogger(__name__)
CLIENT_DELETED_TOPIC = "client.deleted"


class TokenRevoker(Protocol):
    def revoke_client_tokens(self, user_id: str, client_id: str) -> int:
        """Revoke the refresh tokens `client_id` holds for `user_id` (for every user, and
        every access token of the client too, when `user_id` is empty); how many families."""
        ...


@dataclass(frozen=True)
class RelayPolicy:
    base: timedelta = timedelta(seconds=1)
    cap: timedelta = timedelta(minutes=5)
    # Longer than one call can take (its gRPC deadline), so only one replica makes it.
    lease: timedelta = timedelta(seconds=60)
    batch: int = 20

    def delay(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed try: base, 2×base, 4×base … at most cap."""
        return min(self.base * (2 ** min(max(0, attempts - 1), 20)), self.cap)


class OutboxRelay:
    TOPICS = (WITHDRAWN_TOPIC, CLIENT_DELETED_TOPIC)

    def __init__(self, uow: UnitOfWork, clock: Clock, revoker: TokenRevoker,
                 policy: RelayPolicy | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self._revoker = revoker
        self.policy = policy or RelayPolicy()

    def run_once(self) -> int:
        """Deliver what is due now; returns how many were delivered."""
        now = self._clock.now()
        with self._uow() as tx:
            claimed = tx.outbox.claim_due(self.TOPICS, now, self.policy.batch, now + self.policy.lease)
        return sum(self._deliver(message) for message in claimed)

    def _deliver(self, message: OutboxMessage) -> bool:
        try:
            self._send(message)
        except OAuthError as err:
            when = self._clock.now() + self.policy.delay(message.attempts)
            with self._uow() as tx:
                tx.outbox.retry_at(message.id, when, f"{err.error}: {err.detail or err.description}")
            log.warning("outbox message %d (%s) failed (attempt %d): %s; retrying at %s",
                        message.id, message.topic, message.attempts, err.error, when.isoformat())
            return False
        with self._uow() as tx:
            tx.outbox.delivered(message.id, self._clock.now())
        return True

    def _send(self, message: OutboxMessage) -> None:
        client_id = str(message.payload.get("client_id") or "")
        if message.topic == CLIENT_DELETED_TOPIC:
            revoked = self._revoker.revoke_client_tokens("", client_id)
            log.info("client %s deleted: its tokens revoked (%d refresh-token family(ies))",
                     client_id, revoked)
            return
        user_id = str(message.payload.get("user_id") or "")
        if not user_id:  # an empty user would mean every user's tokens: never for one consent
            raise InvalidRequest(detail="consent.withdrawn message without a user_id")
        revoked = self._revoker.revoke_client_tokens(user_id, client_id)
        log.info("consent withdrawn: %d refresh-token family(ies) of client %s revoked", revoked, client_id)
