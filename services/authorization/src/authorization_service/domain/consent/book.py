"""The remembered approvals (OIDC Core §3.1.2.4): per user and client, the scopes the
user allowed. A request within them skips the consent page; a new scope asks again.

Withdrawing an approval also has to end what it let the client obtain (the refresh
tokens the client holds for that user), which the token service owns: the withdrawal
writes a `consent.withdrawn` message to the outbox in the same transaction, for
delivery to the token service.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from authgate_common.core.admin_api import Acting
from authgate_common.core.audit import AuditEvent
from authgate_common.core.errors import AlreadyExists, NotFound

from ..models import Consent
from ..ports import Clock, UnitOfWork

WITHDRAWN_TOPIC = "consent.withdrawn"


@dataclass(frozen=True)
class ConsentView:
    client_id: str
    client_name: str
    scopes: tuple[str, ...]
    granted_at: datetime


class ConsentBook:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def covers(self, user_id: str, client_id: str, scopes: tuple[str, ...]) -> bool:
        with self._uow() as tx:
            consent = tx.consents.get(user_id, client_id)
        return consent is not None and consent.covers(scopes)

    def grant(self, user_id: str, client_id: str, scopes: tuple[str, ...]) -> Consent:
        try:
            return self._grant(user_id, client_id, scopes)
        except AlreadyExists:
            # Two first approvals racing on the same row: the loser merges into the winner.
            return self._grant(user_id, client_id, scopes)

    def _grant(self, user_id: str, client_id: str, scopes: tuple[str, ...]) -> Consent:
        now = self._clock.now()
        with self._uow() as tx:
            current = tx.consents.get(user_id, client_id)
            kept = current.scopes if current is not None and current.revoked_at is None else ()
            # Earlier approvals still stand: the user allowed those scopes too.
            merged = tuple(dict.fromkeys((*kept, *scopes)))
            consent = Consent(user_id, client_id, merged, granted_at=now)
            tx.consents.save(consent)
            tx.audit.record(AuditEvent("consent.given", user_id, user_id, client_id,
                                       details={"scope": list(scopes), "now_granted": list(merged)}))
        return consent

    def of_user(self, user_id: str) -> list[ConsentView]:
        with self._uow() as tx:
            views = []
            for c in tx.consents.active_for_user(user_id):
                client = tx.clients.get(c.client_id)
                views.append(ConsentView(c.client_id, client.name if client else "", c.scopes,
                                         c.granted_at))
        return views

    def withdraw(self, user_id: str, client_id: str, by: Acting | None = None) -> None:
        """By the user themself, or (`by`) an admin client: then `admin.consent.withdrawn`."""
        now = self._clock.now()
        with self._uow() as tx:
            current = tx.consents.get(user_id, client_id)
            if current is None or current.revoked_at is not None:
                raise NotFound("You have not approved this application.")
            tx.consents.save(replace(current, revoked_at=now))
            tx.outbox.add(WITHDRAWN_TOPIC, {"user_id": user_id, "client_id": client_id,
                                            "scopes": list(current.scopes)}, now)
            event = (AuditEvent("consent.withdrawn", user_id, user_id) if by is None
                     else by.event("consent.withdrawn", user_id))
            tx.audit.record(replace(event, client_id=client_id, details={"scope": list(current.scopes)}))
