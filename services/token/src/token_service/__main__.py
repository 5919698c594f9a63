"""`python -m token_service migrate|serve|rewrap`."""

from __future__ import annotations

import argparse
import logging

from authgate_common.grpc_server import internal_tls
from authgate_common.kv import require_no_eviction
from authgate_common.logs import configure_logging
from authgate_common.runner import serve
from authgate_common.settings import load_settings

from .adapters.key_repository import UnreadableSigningKey
from .bootstrap import bootstrap, migrate, rewrap_signing_keys
from .entrypoints.cleanup_job import CleanupJob
from .entrypoints.deny_list_sync_job import DenyListSyncJob
from .entrypoints.grpc_api import ACCESS, SERVICE_NAMES
from .entrypoints.key_refresh_job import KeyRefreshJob
from .settings import Settings

log = logging.getLogger("token_service")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="token_service", description="authgate token service")
    # rewrap: every stored signing key encrypted again with the first of
    # SIGNING_KEY_ENCRYPTION_KEYS (docs/secrets.md), so older keys can be dropped.
    parser.add_argument("command", choices=["migrate", "serve", "rewrap"])
    args = parser.parse_args(argv)
    settings = load_settings(Settings)
    configure_logging("token", settings.LOG_LEVEL, settings.LOG_JSON)
    if args.command == "migrate":
        migrate(settings)
        log.info("migrations applied")
        return
    try:
        if args.command == "rewrap":
            log.info("re-encrypted %d signing keys with the first encryption key",
                     rewrap_signing_keys(settings))
            return
        require_no_eviction(settings.REDIS_URL, log)
        service = bootstrap(settings)
    except UnreadableSigningKey as exc:  # a wrong or dropped key: the reason, not a traceback
        raise SystemExit(f"token: refusing to start: {exc}") from None
    log.info("serving with signing key kid=%s", service.keys.current_kid)
    if service.feed is not None and not service.feed.wait_healthy(
            settings.REVOCATION_FEED_STARTUP_WAIT_SECONDS):
        # Validation fails closed (503) until the feed arrives; the feed reconnects by itself.
        log.warning("revocation feed not synced yet; token validation answers 503 until it is")
    cleanup = CleanupJob(service.cleanup, settings.REFRESH_CLEANUP_INTERVAL_SECONDS)
    cleanup.start()
    key_refresh = KeyRefreshJob(service.signing_keys, settings.SIGNING_KEY_REFRESH_SECONDS)
    key_refresh.start()
    deny_list_sync = DenyListSyncJob(service.keeper, settings.REVOKED_JTI_SYNC_SECONDS)
    deny_list_sync.start()

    def stop() -> None:
        deny_list_sync.stop()
        key_refresh.stop()
        cleanup.stop()
        service.close()

    serve(name="token", grpc_port=settings.TOKEN_GRPC_PORT, register=service.register,
          service_names=SERVICE_NAMES, http_app=service.http_app, http_port=settings.TOKEN_HTTP_PORT,
          max_workers=settings.GRPC_MAX_WORKERS, on_stop=stop,
          metrics_port=settings.TOKEN_METRICS_PORT,
          host=settings.BIND_HOST, tls=internal_tls(settings), access=ACCESS,
          operator_port=settings.TOKEN_OPERATOR_PORT, on_denied=service.on_denied)


if __name__ == "__main__":
    main()
