"""`python -m session_service migrate|serve`."""

from __future__ import annotations

import argparse
import logging

from authgate_common.grpc_server import internal_tls
from authgate_common.kv import require_no_eviction
from authgate_common.logs import configure_logging
from authgate_common.runner import serve
from authgate_common.settings import load_settings

from .bootstrap import bootstrap, migrate
from .entrypoints.grpc_api import ACCESS, SERVICE_NAME
from .settings import Settings

log = logging.getLogger("session_service")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="session_service", description="authgate session service")
    parser.add_argument("command", choices=["migrate", "serve"])
    args = parser.parse_args(argv)
    settings = load_settings(Settings)
    configure_logging("session", settings.LOG_LEVEL, settings.LOG_JSON)
    if args.command == "migrate":
        migrate(settings)
        log.info("migrations applied")
        return
    require_no_eviction(settings.REDIS_URL, log)
    service = bootstrap(settings)
    serve(name="session", grpc_port=settings.SESSION_GRPC_PORT, register=service.register,
          service_names=[SERVICE_NAME], http_app=service.http_app, http_port=settings.SESSION_HTTP_PORT,
          max_workers=settings.GRPC_MAX_WORKERS, metrics_port=settings.SESSION_METRICS_PORT,
          on_drain=service.hub.close, on_stop=service.close,
          host=settings.BIND_HOST, tls=internal_tls(settings), access=ACCESS,
          operator_port=settings.SESSION_OPERATOR_PORT, on_denied=service.on_denied)


if __name__ == "__main__":
    main()
