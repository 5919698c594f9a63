"""`python -m session_service migrate|serve`."""

from __future__ import annotations

from authgate_common.service_main import ServiceDescription, main

from .bootstrap import SessionService, bootstrap, migrate
from .entrypoints.grpc_api import ACCESS, SERVICE_NAME
from .settings import Settings


def _end_streams(service: SessionService) -> None:
    # Open WatchRevocations streams end as the drain begins: their clients move to
    # another replica now rather than after the grace period.
    service.hub.close()


DESCRIPTION = ServiceDescription(settings=Settings, bootstrap=bootstrap, migrate=migrate,
                                 access=ACCESS, service_names=[SERVICE_NAME], on_drain=_end_streams)

if __name__ == "__main__":
    main(DESCRIPTION)
