"""`python -m example_api`: serve the example resource API on EXAMPLE_API_PORT (8110)."""

from __future__ import annotations

import logging

import uvicorn

from .app import create_app
from .settings import Settings


def main() -> None:
    settings = Settings()
    logging.basicConfig(level=settings.LOG_LEVEL.upper(),
                        format="%(asctime)s example-api %(levelname)s %(name)s: %(message)s")
    uvicorn.run(create_app(), host=settings.EXAMPLE_API_HOST, port=settings.EXAMPLE_API_PORT,
                log_config=None, access_log=False, proxy_headers=False)


if __name__ == "__main__":
    main()
