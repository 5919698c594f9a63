"""Wiring of the device authorization grant (RFC 8628; domain/device): None when
DEVICE_FLOW_ENABLED is off, so the RPCs answer NOT_FOUND and the page is not routed."""

from __future__ import annotations

from authgate_common.core.crypto import derive_key
from authgate_common.core.kv import KeyValueStore, MemoryStore
from authgate_common.pages import Pages

from .domain.catalog.ports import CatalogView
from .domain.consent.book import ConsentBook
from .domain.consent.pending import CsrfTokens
from .domain.device.attempts import AttemptPolicy, UserCodeAttempts
from .domain.device.poll import DevicePoller
from .domain.device.start import DeviceHashes, DeviceStarter
from .domain.device.verify import DeviceVerification
from .domain.ports import Clock, SessionLookup, UnitOfWork
from .entrypoints.device_page import DevicePageDeps
from .entrypoints.device_rpcs import DeviceFlow
from .settings import Settings


def device_flow(settings: Settings, uow: UnitOfWork, clock: Clock, catalog: CatalogView,
                consents: ConsentBook, sessions: SessionLookup, pages: Pages, cookie_name: str,
                store: KeyValueStore | None = None) -> tuple[DeviceFlow, DevicePageDeps] | None:
    """`store`: where wrong user codes are counted (Redis across replicas; none: this process)."""
    if not settings.DEVICE_FLOW_ENABLED:
        return None
    key = settings.SECRET_KEY
    hashes = DeviceHashes(derive_key(key, "authorization/device-code"),
                          derive_key(key, "authorization/device-user-code"))
    attempts = UserCodeAttempts(store or MemoryStore(), derive_key(key, "authorization/device-attempts"),
                                AttemptPolicy(settings.DEVICE_USER_CODE_MAX_FAILURES,
                                              settings.DEVICE_USER_CODE_MAX_FAILURES_PER_ADDRESS,
                                              settings.DEVICE_USER_CODE_LOCK_SECONDS))
    flow = DeviceFlow(
        starter=DeviceStarter(uow, hashes, clock, catalog, settings.issuer,
                              settings.DEVICE_CODE_TTL_SECONDS, settings.DEVICE_POLL_INTERVAL_SECONDS),
        poller=DevicePoller(uow, hashes, clock))
    page = DevicePageDeps(
        verification=DeviceVerification(uow, hashes, clock, consents, catalog, attempts),
        sessions=sessions, csrf=CsrfTokens(derive_key(key, "authorization/device-csrf")), pages=pages,
        session_cookie_name=cookie_name)
    return flow, page
