"""The verification page's core (RFC 8628 §3.3): the signed-in person types the user code,
sees who asks for what, and approves or denies.

A code that is malformed, unknown, expired or already decided counts as a wrong attempt
(attempts.py, §5.1); past the limit every code is refused for a while, the right one too.
Unlike /authorize, the page always asks, even for a first-party client or one the person
already approved: the request comes from a device the person may not hold, and a code
typed on someone's instruction would otherwise hand that device their account at once
(RFC 8628 §5.4, remote phishing). An approval of a third-party client is remembered as
consent. Approving binds the session's user, sid, auth_time and amr
to the device code (the grant the poll hands out once); denying makes it access_denied.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from authgate_common.core.audit import AuditEvent

from ..catalog.ports import CatalogView
from ..consent.book import ConsentBook
from ..models import Client, SessionInfo
from ..ports import Clock, UnitOfWork
from .attempts import UserCodeAttempts
from .models import APPROVED, DENIED, PENDING, DeviceAuthorization
from .start import DeviceHashes
from .user_codes import normalise

WRONG, LOCKED = "wrong", "locked"


@dataclass(frozen=True)
class Question:
    """Ask the person: this client wants these scopes (descriptions parallel to scopes)."""

    user_code: str
    client_id: str
    client_name: str
    scopes: tuple[str, ...]
    descriptions: tuple[str, ...]


@dataclass(frozen=True)
class Decided:
    approved: bool


@dataclass(frozen=True)
class Refused:
    reason: str  # WRONG or LOCKED


Outcome = Question | Decided | Refused


class DeviceVerification:
    def __init__(self, uow: UnitOfWork, hashes: DeviceHashes, clock: Clock, consents: ConsentBook,
                 catalog: CatalogView, attempts: UserCodeAttempts) -> None:
        self._uow, self._hashes, self._clock = uow, hashes, clock
        self._consents, self._catalog, self._attempts = consents, catalog, attempts

    def lookup(self, typed: str, session: SessionInfo, address: str) -> Outcome:
        if self._attempts.locked(session.sid, address):
            return Refused(LOCKED)
        code = normalise(typed)
        with self._uow() as tx:
            device = tx.devices.by_user_code(self._hashes.user(code)) if code else None
            client = tx.clients.get(device.client_id) if device is not None else None
        if code is None or device is None or client is None or not self._open(device):
            self._attempts.failed(session.sid, address)
            return Refused(WRONG)
        descriptions = tuple(map(self._catalog.current().description, device.scopes))
        return Question(user_code=f"{code[:4]}-{code[4:]}", client_id=client.client_id,
                        client_name=client.name, scopes=device.scopes, descriptions=descriptions)

    def decide(self, typed: str, session: SessionInfo, address: str, *, allow: bool) -> Outcome:
        if self._attempts.locked(session.sid, address):
            return Refused(LOCKED)
        code = normalise(typed)
        now = self._clock.now()
        decided: DeviceAuthorization | None = None
        client: Client | None = None
        with self._uow() as tx:
            device = tx.devices.by_user_code(self._hashes.user(code)) if code else None
            client = tx.clients.get(device.client_id) if device is not None else None
            if device is not None and client is not None and self._open(device):
                decided = self._bound(device, session) if allow else replace(device, status=DENIED)
                tx.devices.save(decided)
                tx.audit.record(AuditEvent(
                    "device.approved" if allow else "device.denied", session.user_id, session.user_id,
                    device.client_id, session.sid,
                    details={"scope": list(device.scopes), "grant_id": device.grant_id}))
                if allow and session.sid:  # told when the session ends (Back-Channel Logout §2.3)
                    tx.backchannel.add_participant(session.sid, device.client_id, session.user_id, now)
        if decided is None or client is None:
            self._attempts.failed(session.sid, address)
            return Refused(WRONG)
        if allow and not client.first_party:
            self._consents.grant(session.user_id, client.client_id, decided.scopes)
        return Decided(approved=allow)

    def _open(self, device: DeviceAuthorization) -> bool:
        return device.status == PENDING and self._clock.now() < device.expires_at

    @staticmethod
    def _bound(device: DeviceAuthorization, session: SessionInfo) -> DeviceAuthorization:
        return replace(device, status=APPROVED, user_id=session.user_id, sid=session.sid,
                       auth_time=session.auth_time, amr=session.amr)
