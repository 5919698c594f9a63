"""`python -m token_service migrate|serve|rewrap`."""

from __future__ import annotations

import logging
from collections.abc import Callable

from authgate_common.grpc_server import internal_tls
from authgate_common.service_main import ServiceDescription, main

from .adapters.key_changes import KeyChangeListener
from .adapters.key_repository import UnreadableSigningKey
from .bootstrap import TokenService, bootstrap, migrate, rewrap_signing_keys
from .entrypoints.cleanup_job import CleanupJob
from .entrypoints.deny_list_sync_job import DenyListSyncJob
from .entrypoints.ext_authz_http import CheckServer
from .entrypoints.grpc_api import ACCESS, SERVICE_NAMES
from .entrypoints.key_refresh_job import KeyRefreshJob
from .settings import Settings

log = logging.getLogger("token_service")


def rewrap(settings: Settings) -> None:
    """Every stored signing key encrypted again with the first of SIGNING_KEY_ENCRYPTION_KEYS
    (docs/secrets.md), so older keys can be dropped."""
    log.info("re-encrypted %d signing keys with the first encryption key",
             rewrap_signing_keys(settings))


def start_jobs(settings: Settings, service: TokenService) -> Callable[[], None]:
    log.info("serving with signing key kid=%s", service.keys.current_kid)
    if service.feed is not None and not service.feed.wait_healthy(
            settings.REVOCATION_FEED_STARTUP_WAIT_SECONDS):
        # Validation fails closed (503) until the feed arrives; the feed reconnects by itself.
        log.warning("revocation feed not synced yet; token validation answers 503 until it is")
    key_refresh = KeyRefreshJob(service.signing_keys, settings.SIGNING_KEY_REFRESH_SECONDS)
    jobs = [CleanupJob(service.cleanup, settings.REFRESH_CLEANUP_INTERVAL_SECONDS), key_refresh,
            DenyListSyncJob(service.keeper, settings.REVOKED_JTI_SYNC_SECONDS)]
    for job in jobs:
        job.start()
    # Another replica's rotation wakes this one's key refresh (adapters/key_changes.py).
    key_changes = (KeyChangeListener.waking(settings.REDIS_URL, settings.REDIS_KEY_PREFIX + "token:",
                                            key_refresh.wake, settings.CLIENT_CHANGES_PING_SECONDS)
                   if settings.REDIS_URL else None)
    check = None
    if settings.TOKEN_AUTHZ_PORT:
        check = CheckServer(service.validator, internal_tls(settings), settings.BIND_HOST,
                            settings.TOKEN_AUTHZ_PORT)
        check.start()

    def stop() -> None:
        if key_changes is not None:
            key_changes.stop()
        if check is not None:
            check.stop()
        for job in reversed(jobs):
            job.stop()

    return stop


DESCRIPTION = ServiceDescription(
    settings=Settings, bootstrap=bootstrap, migrate=migrate, access=ACCESS,
    service_names=SERVICE_NAMES, commands={"rewrap": rewrap},
    # A wrong or dropped encryption key: "token: refusing to start: cannot decrypt ...".
    refusals=(UnreadableSigningKey,), start_jobs=start_jobs)

if __name__ == "__main__":
    main(DESCRIPTION)
