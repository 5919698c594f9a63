"""`python -m example_api`: serve the example resource API on EXAMPLE_API_PORT (8110),
over HTTPS to the gateway's certificate only (gateway_only)."""

from __future__ import annotations

import logging

import uvicorn

from .app import create_app
from .gateway_only import gateway_only_config
from .settings import Settings


def main() -> None:
    settings = Settings()
    logging.basicConfig(
        level=settings.LOG_LEVEL.upper(), format="%(asctime)s example-api %(levelname)s %(name)s: %(message)s"
    )
    try:
        config = gateway_only_config(
            create_app(),
            tls_dir=settings.tls_dir,
            host=settings.EXAMPLE_API_HOST,
            port=settings.EXAMPLE_API_PORT,
            allowed_peers=[settings.GATEWAY_IDENTITY],
            log_config=None,
            access_log=False,
            proxy_headers=False,
        )
    except FileNotFoundError as exc:
        raise SystemExit(f"example-api: {exc}") from None
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
