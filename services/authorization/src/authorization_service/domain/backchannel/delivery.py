"""Delivering back-channel logouts (Back-Channel Logout 1.0 §2.5, §2.8).

A logout is claimed first (committed, so other replicas skip it for the lease), then
signed and POSTed with nothing held open, then recorded: delivered on any 2xx, retried
after an exponentially growing wait on a network error, a timeout or a 5xx, and given
up on after the last attempt, when the client answers a definite 4xx, or when the client
no longer has a backchannel_logout_uri. A URI the server refuses to call (a loopback,
private or metadata address, targets.py) is given up on at once and audited as
`backchannel_logout.refused`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from authgate_common.core.audit import SYSTEM, AuditEvent
from authgate_common.core.errors import OAuthError

from ..ports import Clock, UnitOfWork
from .models import Notice, RetryPolicy
from .ports import DeliveryFailed, DeliveryRefused, LogoutPoster, LogoutTokenSigner

log = logging.getLogger(__name__)
DELIVERED, RETRY, GAVE_UP = "delivered", "retry", "gave_up"


@dataclass(frozen=True)
class Attempt:
    notice: Notice
    outcome: str
    error: str = ""
    refused: bool = False


class BackchannelDelivery:
    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        signer: LogoutTokenSigner,
        poster: LogoutPoster,
        policy: RetryPolicy,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._signer = signer
        self._poster = poster
        self.policy = policy

    def claim(self, limit: int) -> list[Notice]:
        if limit <= 0:
            return []
        now = self._clock.now()
        with self._uow() as tx:
            return tx.backchannel.claim_due(now, limit, now + self.policy.lease)

    def deliver(self, notice: Notice) -> Attempt:
        """One attempt at a claimed logout; its outcome is recorded before returning."""
        with self._uow() as tx:
            client = tx.clients.get(notice.client_id)
        uri = client.backchannel_logout_uri if client is not None else ""
        if not uri:
            return self._record(notice, GAVE_UP, "the client has no backchannel_logout_uri any more")
        try:
            token = self._signer.sign(notice.client_id, notice.user_id, notice.sid)
            self._poster.post(uri, token)
        except DeliveryFailed as failure:
            permanent = failure.permanent or notice.attempts >= self.policy.max_attempts
            refused = isinstance(failure, DeliveryRefused)
            return self._record(notice, GAVE_UP if permanent else RETRY, failure.reason, refused=refused)
        except OAuthError as err:  # the token service could not sign: try again later
            last = notice.attempts >= self.policy.max_attempts
            return self._record(notice, GAVE_UP if last else RETRY, f"signing failed: {err.error}")
        return self._record(notice, DELIVERED)

    def _record(self, notice: Notice, outcome: str, error: str = "", *, refused: bool = False) -> Attempt:
        now = self._clock.now()
        with self._uow() as tx:
            if outcome == DELIVERED:
                tx.backchannel.delivered(notice.id, now)
            elif outcome == RETRY:
                tx.backchannel.retry_at(notice.id, now + self.policy.delay(notice.attempts), error)
            else:
                tx.backchannel.give_up(notice.id, now, error)
            if refused:
                tx.audit.record(AuditEvent("backchannel_logout.refused", subject=notice.user_id, actor=SYSTEM,
                                           client_id=notice.client_id, sid=notice.sid,
                                           details={"reason": error}))
        if outcome == GAVE_UP:
            log.warning(
                "back-channel logout to client %s given up after %d attempt(s): %s",
                notice.client_id,
                notice.attempts,
                error,
            )
        elif outcome == RETRY:
            log.info(
                "back-channel logout to client %s failed (attempt %d): %s; retrying",
                notice.client_id,
                notice.attempts,
                error,
            )
        return Attempt(notice, outcome, error, refused)
