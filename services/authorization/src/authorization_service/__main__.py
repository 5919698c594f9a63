"""`python -m authorization_service migrate|serve`."""

from __future__ import annotations

from authgate_common.service_main import ServiceDescription, main

from .bootstrap import bootstrap, migrate
from .entrypoints.catalog_grpc import CATALOG_SERVICE_NAME
from .entrypoints.grpc_api import ACCESS, SERVICE_NAME
from .settings import Settings

DESCRIPTION = ServiceDescription(settings=Settings, bootstrap=bootstrap, migrate=migrate,
                                 access=ACCESS, service_names=[SERVICE_NAME, CATALOG_SERVICE_NAME])

if __name__ == "__main__":
    main(DESCRIPTION)
